using System.Runtime.CompilerServices;

namespace SimByz.Scheduler;

/// <summary>Identifies a scheduled event so it can be cancelled. Default is "no event".</summary>
public readonly record struct EventHandle(int Slot, long Sequence)
{
    /// <summary>True for a handle returned by <see cref="EventQueue{T}.Schedule"/>.</summary>
    public bool IsValid => Sequence > 0;
}

/// <summary>An event as it leaves the queue.</summary>
public readonly record struct ScheduledEvent<T>(SimTime Time, int Priority, long Sequence, T Payload);

/// <summary>
/// A priority queue of simulation events ordered by (time, priority, sequence), lowest first.
/// </summary>
/// <remarks>
/// <para>The sequence number is a counter assigned once, when the event is scheduled, and never
/// reassigned (not on growth either: SimSharp's renumbering on resize loses FIFO order), so events
/// with equal (time, priority) leave in scheduling order (DESIGN.md, Event order). Lower priority
/// values fire first.</para>
/// <para>Implementation: an implicit 4-ary min-heap of 24-byte keys; payloads live in a slot array
/// recycled through a free list, so steady-state scheduling allocates nothing. Cancellation is
/// lazy: the slot is released at once and its stale heap key is discarded when it reaches the top
/// (a key is live only while its slot still holds its sequence number).</para>
/// <para>Not thread-safe; one queue belongs to one simulation.</para>
/// </remarks>
public sealed class EventQueue<T>
{
    private struct Key
    {
        public long Time;
        public long Sequence;
        public int Priority;
        public int Slot;
    }

    private Key[] _heap;
    private int _heapCount; // live and stale keys
    private T[] _payloads;
    private long[] _slotSequence; // sequence held by the slot, 0 when free
    private int[] _freeSlots;
    private int _freeCount;
    private int _slotCount;
    private long _nextSequence = 1;

    public EventQueue(int initialCapacity = 64)
    {
        initialCapacity = Math.Max(4, initialCapacity);
        _heap = new Key[initialCapacity];
        _payloads = new T[initialCapacity];
        _slotSequence = new long[initialCapacity];
        _freeSlots = new int[initialCapacity];
    }

    /// <summary>Number of pending (scheduled, not cancelled, not yet dequeued) events.</summary>
    public int Count { get; private set; }

    /// <summary>The sequence number the next scheduled event will get.</summary>
    public long NextSequence => _nextSequence;

    /// <summary>Schedules <paramref name="payload"/> at <paramref name="time"/> with <paramref name="priority"/>.</summary>
    public EventHandle Schedule(SimTime time, int priority, T payload)
    {
        int slot = AllocateSlot();
        long seq = _nextSequence++;
        _payloads[slot] = payload;
        _slotSequence[slot] = seq;
        if (_heapCount == _heap.Length) Array.Resize(ref _heap, _heap.Length * 2);
        SiftUp(_heapCount++, new Key { Time = time.Nanoseconds, Sequence = seq, Priority = priority, Slot = slot });
        Count++;
        return new EventHandle(slot, seq);
    }

    /// <summary>Cancels a pending event. Returns false if it already fired, was cancelled, or the handle is invalid.</summary>
    public bool Cancel(EventHandle handle)
    {
        if (!handle.IsValid || (uint)handle.Slot >= (uint)_slotCount || _slotSequence[handle.Slot] != handle.Sequence)
        {
            return false;
        }
        ReleaseSlot(handle.Slot);
        Count--;
        return true;
    }

    /// <summary>True if <paramref name="handle"/> is still pending.</summary>
    public bool IsPending(EventHandle handle)
        => handle.IsValid && (uint)handle.Slot < (uint)_slotCount && _slotSequence[handle.Slot] == handle.Sequence;

    /// <summary>The earliest pending event's time, or false when empty.</summary>
    public bool TryPeekTime(out SimTime time)
    {
        DiscardStaleTop();
        if (_heapCount == 0)
        {
            time = default;
            return false;
        }
        time = new SimTime(_heap[0].Time);
        return true;
    }

    /// <summary>Removes and returns the earliest pending event.</summary>
    public bool TryDequeue(out ScheduledEvent<T> evt)
    {
        DiscardStaleTop();
        if (_heapCount == 0)
        {
            evt = default;
            return false;
        }
        Key top = _heap[0];
        RemoveTop();
        evt = new ScheduledEvent<T>(new SimTime(top.Time), top.Priority, top.Sequence, _payloads[top.Slot]);
        ReleaseSlot(top.Slot);
        Count--;
        return true;
    }

    /// <summary>Removes every pending event (sequence numbering continues).</summary>
    public void Clear()
    {
        Array.Clear(_payloads, 0, _slotCount);
        Array.Clear(_slotSequence, 0, _slotCount);
        _heapCount = 0;
        _slotCount = 0;
        _freeCount = 0;
        Count = 0;
    }

    private void DiscardStaleTop()
    {
        while (_heapCount > 0 && _slotSequence[_heap[0].Slot] != _heap[0].Sequence)
        {
            RemoveTop();
        }
    }

    private int AllocateSlot()
    {
        if (_freeCount > 0) return _freeSlots[--_freeCount];
        if (_slotCount == _payloads.Length)
        {
            int size = _payloads.Length * 2;
            Array.Resize(ref _payloads, size);
            Array.Resize(ref _slotSequence, size);
            Array.Resize(ref _freeSlots, size);
        }
        return _slotCount++;
    }

    private void ReleaseSlot(int slot)
    {
        _slotSequence[slot] = 0;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>()) _payloads[slot] = default!;
        _freeSlots[_freeCount++] = slot;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less(in Key a, in Key b)
    {
        if (a.Time != b.Time) return a.Time < b.Time;
        if (a.Priority != b.Priority) return a.Priority < b.Priority;
        return a.Sequence < b.Sequence;
    }

    private void SiftUp(int i, Key key)
    {
        Key[] heap = _heap;
        while (i > 0)
        {
            int parent = (i - 1) >> 2;
            if (!Less(key, heap[parent])) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = key;
    }

    private void RemoveTop()
    {
        int n = --_heapCount;
        if (n == 0) return;
        Key key = _heap[n];
        Key[] heap = _heap;
        int i = 0;
        while (true)
        {
            int first = (i << 2) + 1;
            if (first >= n) break;
            int best = first;
            int last = Math.Min(first + 4, n);
            for (int c = first + 1; c < last; c++)
            {
                if (Less(heap[c], heap[best])) best = c;
            }
            if (!Less(heap[best], key)) break;
            heap[i] = heap[best];
            i = best;
        }
        heap[i] = key;
    }
}
