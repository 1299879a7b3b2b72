using SimByz.Scheduler;
using SimByz.Tests.Properties.Generators;
using Xunit;

namespace SimByz.Tests.Properties.Scheduler;

/// <summary>Event-order invariants of <see cref="EventQueue{T}"/> and <see cref="Simulation{T}"/> (DESIGN.md, Event order).</summary>
public class EventQueueProperties
{
    private sealed record Pending(long Time, int Priority, long Sequence, int Id);

    /// <summary>Runs a script against the queue and a sorted-list reference model, checking each step.</summary>
    private static (List<ScheduledEvent<int>> Popped, HashSet<int> Cancelled) Run(QueueScript script)
    {
        var queue = new EventQueue<int>(script.InitialCapacity);
        var model = new List<Pending>();
        var handles = new List<(EventHandle Handle, int Id)>();
        var popped = new List<ScheduledEvent<int>>();
        var cancelled = new HashSet<int>();
        long now = 0;

        void PopAndCompare()
        {
            Pending? expected = model.Count == 0 ? null : model.MinBy(p => (p.Time, p.Priority, p.Sequence));
            bool got = queue.TryDequeue(out var evt);
            Assert.Equal(expected is not null, got);
            if (expected is null) return;
            Assert.Equal((expected.Time, expected.Priority, expected.Sequence, expected.Id), (evt.Time.Nanoseconds, evt.Priority, evt.Sequence, evt.Payload));
            model.Remove(expected);
            now = evt.Time.Nanoseconds;
            popped.Add(evt);
        }

        foreach (var op in script.Ops)
        {
            switch (op)
            {
                case ScheduleOp s:
                    int id = handles.Count;
                    var h = queue.Schedule(new SimTime(now + s.Offset), s.Priority, id);
                    handles.Add((h, id));
                    model.Add(new Pending(now + s.Offset, s.Priority, h.Sequence, id));
                    break;
                case CancelOp c when handles.Count > 0:
                    var (handle, target) = handles[c.Pick % handles.Count];
                    bool pending = model.Exists(p => p.Id == target);
                    Assert.Equal(pending, queue.IsPending(handle));
                    Assert.Equal(pending, queue.Cancel(handle));
                    model.RemoveAll(p => p.Id == target);
                    if (pending) cancelled.Add(target);
                    break;
                case PopOp:
                    PopAndCompare();
                    break;
            }
            Assert.Equal(model.Count, queue.Count);
        }
        while (model.Count > 0) PopAndCompare();
        Assert.False(queue.TryDequeue(out _));
        return (popped, cancelled);
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Queue_AnyScript_BehavesLikeSortedReferenceModel(QueueScript script) => Run(script);

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Queue_AnyScript_PoppedTimesNeverDecrease(QueueScript script)
    {
        var (popped, _) = Run(script);
        for (int i = 1; i < popped.Count; i++) Assert.True(popped[i - 1].Time <= popped[i].Time);
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Queue_EqualTimeAndPriority_FireInSchedulingOrder_AcrossGrowth(QueueScript script)
    {
        // Only the schedule operations, all before any pop: the heap grows from the script's tiny
        // initial capacity through several doublings while ties accumulate.
        var queue = new EventQueue<int>(script.InitialCapacity);
        int id = 0;
        foreach (var op in script.Ops)
        {
            if (op is ScheduleOp s) queue.Schedule(new SimTime(s.Offset), s.Priority, id++);
        }
        var last = new Dictionary<(long, int), int>();
        while (queue.TryDequeue(out var e))
        {
            var key = (e.Time.Nanoseconds, e.Priority);
            if (last.TryGetValue(key, out int previous)) Assert.True(previous < e.Payload, $"{e.Payload} fired after {previous} at {key}");
            last[key] = e.Payload;
        }
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Queue_CancelledEvent_NeverFires(QueueScript script)
    {
        var (popped, cancelled) = Run(script);
        foreach (var e in popped) Assert.DoesNotContain(e.Payload, cancelled);
    }

    [BudgetedProperty(Arbitrary = new[] { typeof(SchedulerArbitraries) })]
    public void Simulation_HoldModel_ClockNeverGoesBack(HoldScenario scenario)
    {
        var log = HoldModel.Run(scenario);
        for (int i = 1; i < log.Count; i++) Assert.True(log[i - 1].Time <= log[i].Time);
    }
}
