using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Scheduler;

public class EventQueueTests
{
    private static List<ScheduledEvent<int>> Drain(EventQueue<int> q)
    {
        var list = new List<ScheduledEvent<int>>();
        while (q.TryDequeue(out var e)) list.Add(e);
        return list;
    }

    [Fact]
    public void TryDequeue_MixedKeys_OrdersByTimeThenPriorityThenSequence()
    {
        var q = new EventQueue<int>();
        q.Schedule(new SimTime(20), 0, 1);
        q.Schedule(new SimTime(10), 5, 2);
        q.Schedule(new SimTime(10), -1, 3);
        q.Schedule(new SimTime(10), 5, 4);
        q.Schedule(new SimTime(5), 9, 5);
        Assert.Equal([5, 3, 2, 4, 1], Drain(q).Select(e => e.Payload));
    }

    [Fact]
    public void Schedule_AssignsIncreasingSequenceNumbersFromOne()
    {
        var q = new EventQueue<string>();
        Assert.Equal(1, q.NextSequence);
        var h1 = q.Schedule(new SimTime(1), 0, "a");
        var h2 = q.Schedule(new SimTime(0), 0, "b");
        Assert.Equal(1, h1.Sequence);
        Assert.Equal(2, h2.Sequence);
        Assert.True(q.TryDequeue(out var first));
        Assert.Equal(("b", 2L), (first.Payload, first.Sequence));
    }

    [Fact]
    public void Schedule_BeyondInitialCapacity_GrowsAndKeepsFifoForEqualKeys()
    {
        var q = new EventQueue<int>(initialCapacity: 1);
        for (int i = 0; i < 1000; i++) q.Schedule(new SimTime(i % 3), 0, i);
        Assert.Equal(1000, q.Count);
        var events = Drain(q);
        Assert.Equal(1000, events.Count);
        for (int i = 1; i < events.Count; i++)
        {
            var (a, b) = (events[i - 1], events[i]);
            Assert.True(a.Time < b.Time || (a.Time == b.Time && a.Sequence < b.Sequence && a.Payload < b.Payload));
        }
    }

    [Fact]
    public void Cancel_PendingEvent_NeverFiresAndCountDrops()
    {
        var q = new EventQueue<int>();
        var keep = q.Schedule(new SimTime(1), 0, 1);
        var drop = q.Schedule(new SimTime(2), 0, 2);
        q.Schedule(new SimTime(3), 0, 3);
        Assert.True(q.Cancel(drop));
        Assert.False(q.IsPending(drop));
        Assert.True(q.IsPending(keep));
        Assert.Equal(2, q.Count);
        Assert.Equal([1, 3], Drain(q).Select(e => e.Payload));
    }

    [Fact]
    public void Cancel_TwiceOrAfterFiringOrDefault_ReturnsFalse()
    {
        var q = new EventQueue<int>();
        var h = q.Schedule(new SimTime(1), 0, 1);
        Assert.True(q.Cancel(h));
        Assert.False(q.Cancel(h));
        Assert.False(q.Cancel(default));
        var fired = q.Schedule(new SimTime(1), 0, 2);
        Assert.True(q.TryDequeue(out _));
        Assert.False(q.Cancel(fired));
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public void Cancel_StaleHandleAfterSlotReuse_DoesNotCancelTheNewEvent()
    {
        var q = new EventQueue<int>();
        var old = q.Schedule(new SimTime(1), 0, 1);
        Assert.True(q.TryDequeue(out _));
        var reused = q.Schedule(new SimTime(2), 0, 2);
        Assert.Equal(old.Slot, reused.Slot);
        Assert.False(q.Cancel(old));
        Assert.True(q.IsPending(reused));
        Assert.Single(Drain(q));
    }

    [Fact]
    public void TryPeekTime_SkipsCancelledTop()
    {
        var q = new EventQueue<int>();
        var top = q.Schedule(new SimTime(1), 0, 1);
        q.Schedule(new SimTime(7), 0, 2);
        q.Cancel(top);
        Assert.True(q.TryPeekTime(out var t));
        Assert.Equal(new SimTime(7), t);
    }

    [Fact]
    public void TryDequeue_Empty_ReturnsFalse()
    {
        var q = new EventQueue<int>();
        Assert.False(q.TryDequeue(out _));
        Assert.False(q.TryPeekTime(out _));
    }

    [Fact]
    public void Clear_RemovesEverything_SequenceContinues()
    {
        var q = new EventQueue<int>();
        var h = q.Schedule(new SimTime(1), 0, 1);
        q.Schedule(new SimTime(2), 0, 2);
        q.Clear();
        Assert.Equal(0, q.Count);
        Assert.False(q.IsPending(h));
        Assert.False(q.TryDequeue(out _));
        Assert.Equal(3, q.Schedule(new SimTime(0), 0, 3).Sequence);
    }

    [Fact]
    public void Dequeue_ManyRandomEvents_MatchesSortedOrder()
    {
        var rng = new RandomStream(1);
        var q = new EventQueue<int>(4);
        var expected = new List<(long Time, int Priority, int Index)>();
        for (int i = 0; i < 5000; i++)
        {
            long t = rng.NextLong(0, 200);
            int p = rng.NextInt(3);
            q.Schedule(new SimTime(t), p, i);
            expected.Add((t, p, i));
        }
        expected.Sort();
        Assert.Equal(expected.Select(e => e.Index), Drain(q).Select(e => e.Payload));
    }

    [Fact]
    public void Schedule_ReferencePayloads_AreReleasedAfterDequeue()
    {
        var q = new EventQueue<object>();
        var weak = Add(q);
        Assert.True(Remove(q));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.False(weak.IsAlive);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        static bool Remove(EventQueue<object> q) => q.TryDequeue(out _);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        static WeakReference Add(EventQueue<object> q)
        {
            var payload = new object();
            q.Schedule(new SimTime(1), 0, payload);
            return new WeakReference(payload);
        }
    }

    [Fact]
    public void Cancel_TiedEventsAmongLiveOnes_KeepsSchedulingOrderOfTheRest()
    {
        var q = new EventQueue<int>(initialCapacity: 1);
        var handles = new List<EventHandle>();
        for (int i = 0; i < 200; i++) handles.Add(q.Schedule(new SimTime(5), i % 2, i));
        for (int i = 0; i < 200; i += 3) Assert.True(q.Cancel(handles[i]));
        for (int i = 200; i < 260; i++) q.Schedule(new SimTime(5), i % 2, i);
        var expected = Enumerable.Range(0, 260).Where(i => i >= 200 || i % 3 != 0).OrderBy(i => i % 2).ThenBy(i => i);
        Assert.Equal(expected, Drain(q).Select(e => e.Payload));
    }

    [Fact]
    public void Cancel_ThenScheduleMore_StaleHandleNeverReachesTheRecycledNode()
    {
        var q = new EventQueue<int>(4);
        var first = q.Schedule(new SimTime(1), 0, 1);
        Assert.True(q.Cancel(first));
        var second = q.Schedule(new SimTime(2), 0, 2);
        Assert.False(q.IsPending(first));
        Assert.False(q.Cancel(first));
        Assert.True(q.IsPending(second));
        Assert.True(q.TryDequeue(out var e));
        Assert.Equal(2, e.Payload);
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public void Schedule_BeforeThePeekedMinimum_IsDequeuedFirst()
    {
        // A peek moves the calendar's scan position to the minimum; an earlier event scheduled
        // afterwards (allowed: the simulation's clock may be before the next event) must still come first.
        var q = new EventQueue<int>();
        for (int i = 0; i < 100; i++) q.Schedule(new SimTime(1_000_000 + i * 1000), 0, i);
        Assert.True(q.TryPeekTime(out var t));
        Assert.Equal(new SimTime(1_000_000), t);
        q.Schedule(new SimTime(500), 0, -1);
        Assert.True(q.TryDequeue(out var e));
        Assert.Equal((-1, 500L), (e.Payload, e.Time.Nanoseconds));
        Assert.Equal(Enumerable.Range(0, 100), Drain(q).Select(x => x.Payload));
    }

    [Fact]
    public void Dequeue_WidelySpreadAndShiftingTimes_MatchesSortedOrder()
    {
        // Times from nanoseconds to centuries, negative ones, and a distribution that drifts (forcing
        // re-bucketing and width recalibration) must not change the order.
        var rng = new RandomStream(3);
        var q = new EventQueue<int>(1);
        var expected = new List<(long Time, int Priority, int Index)>();
        int id = 0;
        void Add(long t)
        {
            int p = rng.NextInt(2);
            q.Schedule(new SimTime(t), p, id);
            expected.Add((t, p, id++));
        }
        for (int i = 0; i < 3000; i++) Add(rng.NextLong(0, 1000));
        for (int i = 0; i < 3000; i++) Add(rng.NextLong(-1_000_000_000, 1_000_000_000_000));
        Add(long.MaxValue);
        Add(long.MinValue);
        Add(long.MaxValue);
        expected.Sort();
        var got = new List<int>();
        // Interleave: drain half, then add later events around the current minimum.
        for (int i = 0; i < 3000; i++)
        {
            Assert.True(q.TryDequeue(out var e));
            got.Add(e.Payload);
        }
        long now = expected[2999].Time;
        var later = new List<(long Time, int Priority, int Index)>();
        for (int i = 0; i < 2000; i++)
        {
            long t = now + rng.NextLong(0, 50);
            int p = rng.NextInt(2);
            q.Schedule(new SimTime(t), p, id);
            later.Add((t, p, id++));
        }
        var rest = expected.Skip(3000).Concat(later).OrderBy(x => x.Time).ThenBy(x => x.Priority).ThenBy(x => x.Index);
        Assert.Equal(expected.Take(3000).Select(x => x.Index), got);
        Assert.Equal(rest.Select(x => x.Index), Drain(q).Select(x => x.Payload));
    }
}
