using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>
/// Every message of one run: opened when a worker reads the model, resolved exactly once as applied,
/// rejected or dropped (with score and reason), counted by fate and role, plus the staleness of the
/// messages that reached the defence since the last evaluation point.
/// </summary>
/// <remarks>Only messages whose fate is still open are kept: a resolved message is told to the observers
/// and forgotten (the counters keep what it counted), so the ledger's memory follows the messages in
/// flight, not the length of the run. Payload vectors are pooled: a resolved message's vector is reused
/// by a later one, so a run allocates about as many vectors as it has messages in flight; a synchronous round's
/// messages are the rows of one <see cref="PayloadSlab"/> instead, pooled the same way (a slab goes back when
/// the last of its messages is resolved, and its matrix to the setup's <see cref="RunBuffers"/> when the run ends:
/// <see cref="ReleaseSlabs"/>); without observers
/// the message objects are reused the same way (with observers each message keeps its own: they may hold it). Counters are
/// checked: they never wrap. Not thread-safe (one run's thread).</remarks>
internal sealed class MessageLedger
{
    private readonly Dictionary<long, SentMessage> _pending = [];
    private readonly Stack<float[]> _payloadPool = new();
    private readonly Stack<SentMessage> _messagePool = new();
    private readonly Stack<PayloadSlab> _slabPool = new();
    private readonly Simulation<EngineEvent> _sim;
    private readonly IReadOnlyList<ISimulationObserver> _observers;
    private readonly int _dimension;
    private readonly RunBuffers? _buffers;
    private MessageCounts _counts;
    private long _sent;
    private long _staleCount;
    private double _staleSum, _staleMin = double.PositiveInfinity, _staleMax = double.NegativeInfinity;

    /// <param name="dimension">Length of every payload vector.</param>
    /// <param name="sim">The run's queue, read for the current time only.</param>
    /// <param name="observers">Told of every resolution.</param>
    /// <param name="buffers">Where its slabs' matrices come from and go back to at the end of the run (<see cref="ReleaseSlabs"/>), or null.</param>
    public MessageLedger(int dimension, Simulation<EngineEvent> sim, IReadOnlyList<ISimulationObserver> observers, RunBuffers? buffers = null)
    {
        _dimension = dimension;
        _buffers = buffers;
        _sim = sim;
        _observers = observers;
    }

    /// <summary>Messages sent so far (ids run from 0 to this − 1).</summary>
    public long Count => _sent;

    /// <summary>Messages whose fate is still open.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Slabs made so far (the rest were reused from the pool).</summary>
    public int SlabsCreated { get; private set; }

    /// <summary>Resolved messages by fate and role, cumulative.</summary>
    public MessageCounts Counts => _counts;

    /// <summary>The message with id <paramref name="id"/>, whose fate is still open.</summary>
    /// <exception cref="InvalidOperationException">It was resolved already (or never sent).</exception>
    public SentMessage this[long id]
        => _pending.TryGetValue(id, out var m) ? m : throw new InvalidOperationException($"message {id} is not in flight: its fate was decided already");

    /// <summary>A slab of at least <paramref name="rows"/> rows whose messages are all resolved (a pooled one, or new):
    /// open a round's messages on its rows with <see cref="Open(Worker, long, PayloadSlab?, int)"/>.</summary>
    public PayloadSlab RentSlab(int rows)
    {
        PayloadSlab slab;
        if (_slabPool.Count > 0) slab = _slabPool.Pop();
        else
        {
            slab = new PayloadSlab(_dimension, _buffers);
            SlabsCreated++;
        }
        slab.EnsureRows(rows);
        return slab;
    }

    /// <summary>Gives the matrices of every pooled slab (those whose messages are all resolved) back to the run's
    /// <see cref="RunBuffers"/>, for the next run: the run has ended and no thread writes into them. A slab still holding a
    /// message in flight (a failed or cancelled run) is left as it is. The ledger stays usable: a later round makes its slabs again.</summary>
    public void ReleaseSlabs()
    {
        foreach (var slab in _slabPool)
        {
            if (slab.Outstanding == 0) slab.Release(); // always so in the pool; never throw from a run's finally
        }
        _slabPool.Clear();
    }

    /// <summary>Records a new message of <paramref name="worker"/>, computed at model <paramref name="version"/>
    /// now, with a payload vector to fill: row <paramref name="row"/> of <paramref name="slab"/>, or a pooled vector of
    /// its own when <paramref name="slab"/> is null.</summary>
    public SentMessage Open(Worker worker, long version, PayloadSlab? slab = null, int row = 0)
    {
        SentMessage message;
        if (_messagePool.Count > 0)
        {
            message = _messagePool.Pop();
            var reused = message.Info;
            reused.ComputeDone = reused.Arrival = SimTime.Zero;
            reused.Staleness = 0;
            reused.Fate = MessageFate.Pending;
            reused.Score = double.NaN;
            reused.Reason = null;
            message.NetworkDelay = SimTime.Zero;
            message.ReceivedAtRead = 0;
            message.Primary = true;
        }
        else
        {
            message = new SentMessage { Info = new MessageInfo() };
        }
        if (slab is null)
        {
            var pooled = RentPayload();
            message.PooledPayload = pooled;
            message.Payload = pooled;
        }
        else
        {
            message.Slab = slab;
            message.SlabRow = row;
            message.Payload = slab.Row(row);
            slab.Outstanding++;
        }
        var info = message.Info;
        info.Id = _sent;
        info.Worker = worker.Id;
        info.Byzantine = worker.Byzantine;
        info.ModelVersion = version;
        info.Dispatched = _sim.Now;
        _pending.Add(info.Id, message);
        _sent = checked(_sent + 1);
        return message;
    }

    /// <summary>
    /// Moves a message still in flight off its round's slab: its row is copied into a pooled vector of its own and the
    /// slab no longer waits for it. A synchronous protocol calls this for the late messages of a round it has closed, so
    /// that a straggler's reply holds one vector (as before slabs), not its whole round's n×d slab; the payload's bytes
    /// are unchanged.
    /// </summary>
    public void Detach(SentMessage message)
    {
        if (message.Slab is not { } slab || message.Info.Fate != MessageFate.Pending) return;
        var own = RentPayload();
        slab.Row(message.SlabRow).Span.CopyTo(own);
        message.PooledPayload = own;
        message.Payload = own;
        message.Slab = null;
        if (--slab.Outstanding == 0) _slabPool.Push(slab);
    }

    /// <summary>Decides <paramref name="message"/>'s fate, counts it, tells the observers and takes its payload back.</summary>
    /// <exception cref="InvalidOperationException">The message already has a fate.</exception>
    public void Resolve(SentMessage message, MessageFate fate, double score, string? reason)
    {
        var info = message.Info;
        if (info.Fate != MessageFate.Pending) throw new InvalidOperationException($"message {info.Id} resolved twice");
        info.Fate = fate;
        info.Score = score;
        info.Reason = reason;
        _pending.Remove(info.Id);
        _counts = _counts.Add(info.Byzantine, fate);
        foreach (var o in _observers) o.Resolved(_sim.Now, info);
        if (message.PooledPayload is { } pooled)
        {
            _payloadPool.Push(pooled);
            message.PooledPayload = null;
        }
        if (message.Slab is { } slab)
        {
            if (--slab.Outstanding == 0) _slabPool.Push(slab);
            message.Slab = null;
        }
        message.Payload = default;
        // Without observers nobody else holds the message: a later Open reuses it (its fields stay readable until then).
        if (_observers.Count == 0) _messagePool.Push(message);
    }

    /// <summary>Drops every message still in flight, in sending order.</summary>
    public void DropPending(string reason)
    {
        var ids = new long[_pending.Count];
        _pending.Keys.CopyTo(ids, 0);
        Array.Sort(ids);
        foreach (long id in ids) Resolve(_pending[id], MessageFate.Dropped, double.NaN, reason);
    }

    /// <summary>Counts the staleness of a message that reached the defence.</summary>
    public void RecordStaleness(long staleness)
    {
        _staleCount = checked(_staleCount + 1);
        _staleSum += staleness;
        _staleMin = Math.Min(_staleMin, staleness);
        _staleMax = Math.Max(_staleMax, staleness);
    }

    /// <summary>Min, mean and max staleness since the previous call (NaN when no message reached the
    /// defence), and starts counting afresh: each evaluation point covers its own interval.</summary>
    public (double Min, double Mean, double Max) TakeStaleness()
    {
        var result = _staleCount > 0 ? (_staleMin, _staleSum / _staleCount, _staleMax) : (double.NaN, double.NaN, double.NaN);
        _staleCount = 0;
        _staleSum = 0;
        _staleMin = double.PositiveInfinity;
        _staleMax = double.NegativeInfinity;
        return result;
    }

    private float[] RentPayload() => _payloadPool.Count > 0 ? _payloadPool.Pop() : new float[_dimension];
}
