using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

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
/// <para>Implementation: an implicit 4-ary min-heap of 16-byte keys (time, priority, slot), so the
/// four children of a node span one or two cache lines; each event's payload and sequence number
/// live together in a slot, recycled through a LIFO free list, so steady-state scheduling allocates
/// nothing. The sequence is read from the slot only to break (time, priority) ties. Removal of the
/// root is Floyd's bottom-up deletion (the hole goes down along the smallest children, chosen with
/// branch-free selects on the times, then the last key sifts up from the leaf), with bounds checks
/// elided and the next level prefetched. None of this changes the order: it is (time, priority,
/// sequence) exactly, whatever the growth history.</para>
/// <para>Cancellation is lazy: the slot is marked cancelled (its sequence stored complemented, so
/// tie order is unchanged) and the payload released at once; the key is discarded, and the slot
/// freed, when it reaches the top. A slot therefore belongs to at most one key at any time.</para>
/// <para>Not thread-safe; one queue belongs to one simulation.</para>
/// </remarks>
public sealed class EventQueue<T>
{
    private struct Key
    {
        public long Time;
        public int Priority;
        public int Slot;
    }

    private struct Slot
    {
        public long Sequence; // > 0: pending event's sequence; < 0: ~sequence of a cancelled event; 0: free
        public T Payload;
    }

    private Key[] _heap;
    private int _heapCount; // live and cancelled keys
    private Slot[] _slots;
    private int[] _freeSlots;
    private int _freeCount;
    private int _slotCount;
    private long _nextSequence = 1;

    public EventQueue(int initialCapacity = 64)
    {
        initialCapacity = Math.Max(4, initialCapacity);
        _heap = new Key[initialCapacity];
        _slots = new Slot[initialCapacity];
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
        ref Slot s = ref _slots[slot];
        s.Payload = payload;
        s.Sequence = seq;
        if (_heapCount == _heap.Length) Array.Resize(ref _heap, _heap.Length * 2);
        var key = new Key { Time = time.Nanoseconds, Priority = priority, Slot = slot };
        SiftUp(ref MemoryMarshal.GetArrayDataReference(_heap), ref MemoryMarshal.GetArrayDataReference(_slots), _heapCount++, key);
        Count++;
        return new EventHandle(slot, seq);
    }

    /// <summary>Cancels a pending event. Returns false if it already fired, was cancelled, or the handle is invalid.</summary>
    public bool Cancel(EventHandle handle)
    {
        if (!IsPending(handle)) return false;
        ref Slot s = ref _slots[handle.Slot];
        s.Sequence = ~handle.Sequence;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>()) s.Payload = default!;
        Count--;
        return true;
    }

    /// <summary>True if <paramref name="handle"/> is still pending.</summary>
    public bool IsPending(EventHandle handle)
        => handle.IsValid && (uint)handle.Slot < (uint)_slotCount && _slots[handle.Slot].Sequence == handle.Sequence;

    /// <summary>The earliest pending event's time, or false when empty.</summary>
    public bool TryPeekTime(out SimTime time)
    {
        DiscardCancelledTop();
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
        DiscardCancelledTop();
        if (_heapCount == 0)
        {
            evt = default;
            return false;
        }
        Key top = _heap[0];
        RemoveTop();
        int slot = top.Slot;
        ref Slot s = ref _slots[slot];
        evt = new ScheduledEvent<T>(new SimTime(top.Time), top.Priority, s.Sequence, s.Payload);
        ReleaseSlot(slot);
        Count--;
        return true;
    }

    /// <summary>Removes every pending event (sequence numbering continues).</summary>
    public void Clear()
    {
        Array.Clear(_slots, 0, _slotCount);
        _heapCount = 0;
        _slotCount = 0;
        _freeCount = 0;
        Count = 0;
    }

    private void DiscardCancelledTop()
    {
        while (_heapCount > 0)
        {
            int slot = _heap[0].Slot;
            if (_slots[slot].Sequence > 0) return;
            RemoveTop();
            ReleaseSlot(slot);
        }
    }

    private int AllocateSlot()
    {
        if (_freeCount > 0) return _freeSlots[--_freeCount];
        if (_slotCount == _slots.Length)
        {
            int size = _slots.Length * 2;
            Array.Resize(ref _slots, size);
            Array.Resize(ref _freeSlots, size);
        }
        return _slotCount++;
    }

    private void ReleaseSlot(int slot)
    {
        ref Slot s = ref _slots[slot];
        s.Sequence = 0;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>()) s.Payload = default!;
        _freeSlots[_freeCount++] = slot;
    }

    /// <summary>(time, priority, sequence) order; the sequence (from the slot, uncomplemented if cancelled) only on ties.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less(in Key a, in Key b, ref Slot slots)
    {
        if (a.Time != b.Time) return a.Time < b.Time;
        if (a.Priority != b.Priority) return a.Priority < b.Priority;
        long sa = Unsafe.Add(ref slots, a.Slot).Sequence, sb = Unsafe.Add(ref slots, b.Slot).Sequence;
        return (sa < 0 ? ~sa : sa) < (sb < 0 ? ~sb : sb);
    }

    /// <summary>The index of the smaller of heap[x] and heap[y] (x &lt; y): a select on the times, the full
    /// comparison only on a time tie (rare with continuous delays, frequent in lock-step rounds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Smaller(ref Key heap, ref Slot slots, int x, int y)
    {
        long tx = Unsafe.Add(ref heap, x).Time, ty = Unsafe.Add(ref heap, y).Time;
        if (tx == ty) return Less(Unsafe.Add(ref heap, y), Unsafe.Add(ref heap, x), ref slots) ? y : x;
        // The JIT does not turn branches inside loops into conditional moves: select arithmetically.
        int mask = -Unsafe.BitCast<bool, byte>(ty < tx);
        return x ^ ((x ^ y) & mask);
    }

    /// <summary>Moves the hole at <paramref name="i"/> up until <paramref name="key"/> fits, then stores it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SiftUp(ref Key heap, ref Slot slots, int i, Key key)
    {
        while (i > 0)
        {
            int parent = (i - 1) >> 2;
            ref Key p = ref Unsafe.Add(ref heap, parent);
            if (!Less(key, p, ref slots)) break;
            Unsafe.Add(ref heap, i) = p;
            i = parent;
        }
        Unsafe.Add(ref heap, i) = key;
    }

    /// <summary>
    /// Removes the root: Floyd's bottom-up deletion. The hole left by the root moves down along the
    /// smallest child to a leaf (3 comparisons per level, none against the moved key), then the last
    /// key fills it and sifts up, which is short because the last key is usually among the largest.
    /// </summary>
    private unsafe void RemoveTop()
    {
        int n = --_heapCount;
        if (n == 0) return;
        ref Key heap = ref MemoryMarshal.GetArrayDataReference(_heap);
        ref Slot slots = ref MemoryMarshal.GetArrayDataReference(_slots);
        int i = 0;
        int first = 1;
        // Levels where all four children exist: a tournament of three comparisons on the times,
        // written as conditional selects so the CPU does not mispredict on random times.
        while (first + 3 < n)
        {
            // The grandchildren of this level are the 16 keys (4 cache lines) from 4·first+1: start
            // loading them while the children are compared (pays off on heaps larger than the cache).
            int grand = (first << 2) + 1;
            if (Sse.IsSupported && grand < n)
            {
                byte* g = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref heap, grand));
                Sse.Prefetch0(g);
                Sse.Prefetch0(g + 64);
                Sse.Prefetch0(g + 128);
                Sse.Prefetch0(g + 192);
            }
            int a = Smaller(ref heap, ref slots, first, first + 1);
            int b = Smaller(ref heap, ref slots, first + 2, first + 3);
            int best = Smaller(ref heap, ref slots, a, b);
            Unsafe.Add(ref heap, i) = Unsafe.Add(ref heap, best);
            i = best;
            first = (i << 2) + 1;
        }
        // The last, partial level.
        if (first < n)
        {
            int best = first;
            for (int c = first + 1; c < n; c++)
            {
                if (Less(Unsafe.Add(ref heap, c), Unsafe.Add(ref heap, best), ref slots)) best = c;
            }
            Unsafe.Add(ref heap, i) = Unsafe.Add(ref heap, best);
            i = best;
        }
        SiftUp(ref heap, ref slots, i, Unsafe.Add(ref heap, n));
        // The new root's slot is read by the next dequeue: start loading it now.
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref slots, heap.Slot)));
    }
}
