using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace SimByz.Scheduler;

/// <summary>
/// A priority queue of simulation events ordered by (time, priority, sequence), lowest first.
/// </summary>
/// <remarks>
/// <para>The sequence number is a counter assigned once, when the event is scheduled, and never
/// reassigned (not on growth or re-bucketing either: SimSharp's renumbering on resize loses FIFO
/// order), so events with equal (time, priority) leave in scheduling order (DESIGN.md, Event order).
/// Lower priority values fire first.</para>
/// <para>Implementation: a calendar queue (R. Brown, "Calendar queues: a fast O(1) priority queue
/// implementation for the simulation event set problem", CACM 31(10), 1988). Time is cut into
/// buckets of width 2^shift ns; bucket number <c>time &gt;&gt; shift</c> lives in array slot
/// <c>number &amp; (buckets − 1)</c>, so one pass over the array (a "year") visits the buckets of
/// the next <c>buckets · width</c> ns. Each array slot holds a singly linked list of events sorted by
/// the full key (time, priority, sequence), so ties keep their exact order whatever the bucket
/// width; appending a later event is O(1) (the tail's time is kept in the slot).
/// Dequeue scans forward from the bucket of the last minimum and takes the first list head that
/// belongs to the bucket being visited; if a whole year is empty it takes the minimum of all list
/// heads directly. The invariant "no pending event is in a bucket before the scan position" makes
/// this exact: it holds after every dequeue (the minimum was taken) and scheduling an event before
/// the scan position (allowed: the queue does not require monotone times) moves the position back.</para>
/// <para>Resizing follows Brown: the bucket count doubles when the queue holds more than two events
/// per bucket and halves below one half, and the width is recomputed at each resize from the mean gap
/// between event times (measured on the middle half of the pending times, so a few far-future events
/// do not stretch it): the largest power of two not above two gaps. (Brown suggests about three gaps;
/// one to two measured faster on the hold benchmark here, at 1 000 and 100 000 pending, because lists
/// stay shorter.) Every 2·Count operations
/// the queue also checks how many list steps and empty buckets its operations visited; above 6 per
/// operation (the time distribution drifted) it recomputes the width. All of this depends only on
/// the sequence of operations, never on a clock, so the queue is deterministic; none of it changes
/// the order, which is (time, priority, sequence) exactly.</para>
/// <para>Event nodes (time, sequence, priority, next, payload) live in one array recycled through a
/// LIFO free list, so steady-state scheduling allocates nothing. Cancellation unlinks the event from
/// its bucket's list at once (lists are short) and releases its payload; a handle stays unique
/// because its sequence number is checked, so a stale handle never reaches a recycled node.</para>
/// <para>Not thread-safe; one queue belongs to one simulation.</para>
/// </remarks>
public sealed class EventQueue<T>
{
    private struct Node
    {
        public long Time;
        public long Sequence; // > 0: pending; 0: free
        public int Priority;
        public int Next;      // next node in the bucket list, or in the free list; -1: none
        public T Payload;
    }

    private struct Bucket
    {
        public long TailTime; // the tail's time: a later event appends without touching the tail node
        public int Head;      // -1: empty
        public int Tail;
    }

    private const int MinBuckets = 16;
    private const int InitialShift = 10; // 1.024 µs until the first resize measures the real gaps
    private const int RecalibrateWorkPerOperation = 6;

    private Node[] _nodes;
    private int _nodeCount;   // nodes ever used (high-water mark)
    private int _free = -1;   // head of the free list
    private Bucket[] _buckets;
    private int _mask;
    private int _shift;
    private long _scan;       // bucket number at or before every pending event's bucket
    private long _nextSequence = 1;
    private long _work;       // list steps and empty buckets visited in this epoch
    private long _epochOperations;
    private long[] _times = [];
    private int[] _order = [];

    public EventQueue(int initialCapacity = 64)
    {
        initialCapacity = Math.Max(4, initialCapacity);
        _nodes = new Node[initialCapacity];
        _buckets = NewBuckets(MinBuckets);
        _mask = MinBuckets - 1;
        _shift = InitialShift;
    }

    /// <summary>Number of pending (scheduled, not cancelled, not yet dequeued) events.</summary>
    public int Count { get; private set; }

    /// <summary>The sequence number the next scheduled event will get.</summary>
    public long NextSequence => _nextSequence;

    /// <summary>Schedules <paramref name="payload"/> at <paramref name="time"/> with <paramref name="priority"/>.</summary>
    public EventHandle Schedule(SimTime time, int priority, T payload)
    {
        int n = AllocateNode();
        long seq = _nextSequence++;
        ref Node node = ref _nodes[n];
        node.Time = time.Nanoseconds;
        node.Sequence = seq;
        node.Priority = priority;
        node.Payload = payload;
        if (Count >= 2 * _buckets.Length) Rebuild(_buckets.Length * 2);
        Insert(n, newest: true);
        Count++;
        Tick();
        return new EventHandle(n, seq);
    }

    /// <summary>Cancels a pending event. Returns false if it already fired, was cancelled, or the handle is invalid.</summary>
    public bool Cancel(EventHandle handle)
    {
        if (!IsPending(handle)) return false;
        int n = handle.Slot;
        ref Bucket b = ref _buckets[(int)((_nodes[n].Time >> _shift) & _mask)];
        int prev = -1;
        for (int cur = b.Head; cur != n; cur = _nodes[cur].Next) prev = cur;
        int next = _nodes[n].Next;
        if (prev < 0) b.Head = next;
        else _nodes[prev].Next = next;
        if (b.Tail == n)
        {
            b.Tail = prev;
            if (prev >= 0)
            {
                b.TailTime = _nodes[prev].Time;
            }
        }
        Release(n);
        Count--;
        return true;
    }

    /// <summary>True if <paramref name="handle"/> is still pending.</summary>
    public bool IsPending(EventHandle handle)
        => handle.IsValid && (uint)handle.Slot < (uint)_nodeCount && _nodes[handle.Slot].Sequence == handle.Sequence;

    /// <summary>The earliest pending event's time, or false when empty.</summary>
    public bool TryPeekTime(out SimTime time)
    {
        if (Count == 0)
        {
            time = default;
            return false;
        }
        time = new SimTime(_nodes[_buckets[FindMinimumBucket()].Head].Time);
        return true;
    }

    /// <summary>Removes and returns the earliest pending event.</summary>
    public bool TryDequeue(out ScheduledEvent<T> evt)
    {
        if (Count == 0)
        {
            evt = default;
            return false;
        }
        ref Bucket b = ref _buckets[FindMinimumBucket()];
        int n = b.Head;
        ref Node node = ref _nodes[n];
        b.Head = node.Next;
        if (b.Head < 0)
        {
            b.Tail = -1;
        }
        else if (Sse.IsSupported)
        {
            // The bucket's next event is likely the next minimum: start loading it now.
            unsafe { Sse.Prefetch0(Unsafe.AsPointer(ref _nodes[b.Head])); }
        }
        evt = new ScheduledEvent<T>(new SimTime(node.Time), node.Priority, node.Sequence, node.Payload);
        Release(n);
        Count--;
        if (Count < _buckets.Length / 2 && _buckets.Length > MinBuckets) Rebuild(_buckets.Length / 2);
        Tick();
        return true;
    }

    /// <summary>Removes every pending event (sequence numbering continues).</summary>
    public void Clear()
    {
        Array.Clear(_nodes, 0, _nodeCount);
        _nodeCount = 0;
        _free = -1;
        _buckets.AsSpan().Fill(EmptyBucket);
        _scan = 0;
        _work = 0;
        _epochOperations = 0;
        Count = 0;
    }

    private static Bucket EmptyBucket => new() { Head = -1, Tail = -1 };

    /// <summary>(time, priority, sequence) order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less(in Node a, in Node b)
        => a.Time != b.Time ? a.Time < b.Time : a.Priority != b.Priority ? a.Priority < b.Priority : a.Sequence < b.Sequence;

    /// <summary>Links node <paramref name="n"/> into its bucket's sorted list. <paramref name="newest"/>:
    /// it has the largest sequence number of all pending events, so it goes after every event with the
    /// same (time, priority) and the tail check needs only the tail's time and priority.</summary>
    private void Insert(int n, bool newest)
    {
        ref Node node = ref _nodes[n];
        node.Next = -1;
        long number = node.Time >> _shift;
        if (number < _scan) _scan = number;
        ref Bucket b = ref _buckets[(int)(number & _mask)];
        if (b.Head < 0)
        {
            b.Head = n;
            SetTail(ref b, n, in node);
            return;
        }
        bool afterTail = newest
            ? node.Time > b.TailTime || (node.Time == b.TailTime && node.Priority >= _nodes[b.Tail].Priority)
            : !Less(node, _nodes[b.Tail]);
        if (afterTail)
        {
            _nodes[b.Tail].Next = n;
            SetTail(ref b, n, in node);
            return;
        }
        int prev = -1, cur = b.Head;
        while (!Less(node, _nodes[cur]))
        {
            prev = cur;
            cur = _nodes[cur].Next;
            _work++;
        }
        node.Next = cur;
        if (prev < 0) b.Head = n;
        else _nodes[prev].Next = n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetTail(ref Bucket b, int n, in Node node)
    {
        b.Tail = n;
        b.TailTime = node.Time;
    }

    /// <summary>The array slot whose list head is the earliest pending event (Count &gt; 0); moves the scan position to it.</summary>
    private int FindMinimumBucket()
    {
        Bucket[] buckets = _buckets;
        long number = _scan;
        for (int k = 0; k < buckets.Length; k++)
        {
            int i = (int)(number & _mask);
            int head = buckets[i].Head;
            if (head >= 0 && _nodes[head].Time >> _shift == number)
            {
                _scan = number;
                return i;
            }
            _work++;
            if (number == long.MaxValue) break;
            number++;
        }
        // A whole year without an event: the minimum of the list heads.
        int best = -1;
        for (int i = 0; i < buckets.Length; i++)
        {
            int head = buckets[i].Head;
            if (head >= 0 && (best < 0 || Less(_nodes[head], _nodes[buckets[best].Head]))) best = i;
        }
        _work += buckets.Length;
        _scan = _nodes[buckets[best].Head].Time >> _shift;
        return best;
    }

    /// <summary>Recomputes the bucket width when operations cost more than a few steps each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Tick()
    {
        if (++_epochOperations < 2L * Count + 64) return;
        if (_work > RecalibrateWorkPerOperation * _epochOperations) Rebuild(_buckets.Length);
        _work = 0;
        _epochOperations = 0;
    }

    /// <summary>Re-buckets every pending event into <paramref name="bucketCount"/> buckets of a freshly measured width.</summary>
    private void Rebuild(int bucketCount)
    {
        int count = Count;
        if (_order.Length < count)
        {
            int size = Math.Max(count, 2 * _order.Length);
            _order = new int[size];
            _times = new long[size];
        }
        int k = 0;
        foreach (ref Bucket b in _buckets.AsSpan())
        {
            for (int cur = b.Head; cur >= 0; cur = _nodes[cur].Next)
            {
                _order[k] = cur;
                _times[k] = _nodes[cur].Time;
                k++;
            }
        }
        _shift = WidthShift(_times.AsSpan(0, count), _shift);
        if (bucketCount == _buckets.Length) _buckets.AsSpan().Fill(EmptyBucket);
        else _buckets = NewBuckets(bucketCount);
        _mask = bucketCount - 1;
        _scan = long.MaxValue;
        // Lists are visited in order, so events of one old list stay in order and mostly append.
        for (int i = 0; i < count; i++) Insert(_order[i], newest: false);
        _work = 0;
        _epochOperations = 0;
    }

    /// <summary>log2 of the bucket width: the largest power of two ≤ 2 mean gaps of the middle half of
    /// <paramref name="times"/> (sorted in place); <paramref name="current"/> when there are fewer than two times.</summary>
    private static int WidthShift(Span<long> times, int current)
    {
        int n = times.Length;
        if (n < 2) return current;
        times.Sort();
        int lo = n >= 8 ? n / 4 : 0, hi = n >= 8 ? 3 * n / 4 : n - 1;
        ulong spread = unchecked((ulong)(times[hi] - times[lo])); // times[hi] ≥ times[lo]: exact as unsigned
        ulong gap = spread / (ulong)(hi - lo);
        ulong width = gap > ulong.MaxValue / 2 ? ulong.MaxValue : Math.Max(1, 2 * gap);
        return Math.Min(62, 63 - BitOperations.LeadingZeroCount(width));
    }

    private static Bucket[] NewBuckets(int count)
    {
        var buckets = new Bucket[count];
        buckets.AsSpan().Fill(EmptyBucket);
        return buckets;
    }

    private int AllocateNode()
    {
        if (_free >= 0)
        {
            int f = _free;
            _free = _nodes[f].Next;
            return f;
        }
        if (_nodeCount == _nodes.Length) Array.Resize(ref _nodes, _nodes.Length * 2);
        return _nodeCount++;
    }

    private void Release(int n)
    {
        ref Node node = ref _nodes[n];
        node.Sequence = 0;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>()) node.Payload = default!;
        node.Next = _free;
        _free = n;
    }
}
