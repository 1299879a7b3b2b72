using SimByz.Scheduler;
using SimByz.Simulator.Engine.Federation;

namespace SimByz.Simulator.Engine;

/// <summary>
/// The workers as both protocols see them: who may send, who is up, and each message's way to the
/// server (compute latency, then network delay, or a crash first) on the run's event queue.
/// </summary>
/// <remarks><para>A message's compute and network delays are drawn when it is dispatched, compute first,
/// from its worker's own streams; so the timing of every message is fixed by the seed whatever the
/// defence does.</para>
/// <para>In a federated run (<see cref="Federated"/>) the fleet holds only the clients taking part now: a client is
/// materialised (its worker state, streams and shard view) when sampled and forgotten when it leaves, so memory
/// follows the active clients, not N; every client is always up (availability is the sampler's business).</para>
/// <para>Not thread-safe (one run's thread).</para></remarks>
internal sealed class WorkerFleet
{
    private readonly Worker[] _workers;
    private readonly ClientFactory? _clients;
    private readonly Dictionary<int, Worker> _active = [];
    private readonly List<Worker> _activeList = [];
    private readonly IAvailabilityModel[] _availability;
    private readonly bool _omit;
    private readonly MessageLedger _ledger;
    private readonly Simulation<EngineEvent> _sim;
    private readonly IReadOnlyList<ISimulationObserver> _observers;

    /// <param name="workers">The workers, by id.</param>
    /// <param name="availability">Each worker's crash/recover schedule, by id.</param>
    /// <param name="omit">The attack is omission: Byzantine workers never send.</param>
    /// <param name="ledger">Where messages are opened and resolved.</param>
    /// <param name="sim">The run's queue.</param>
    /// <param name="observers">Told of dispatches, completions, arrivals and availability changes.</param>
    public WorkerFleet(Worker[] workers, IAvailabilityModel[] availability, bool omit, MessageLedger ledger,
        Simulation<EngineEvent> sim, IReadOnlyList<ISimulationObserver> observers)
    {
        _workers = workers;
        _availability = availability;
        _omit = omit;
        _ledger = ledger;
        _sim = sim;
        _observers = observers;
    }

    /// <summary>A federated fleet: clients made by <paramref name="clients"/> when they become active.</summary>
    public WorkerFleet(ClientFactory clients, bool omit, MessageLedger ledger, Simulation<EngineEvent> sim, IReadOnlyList<ISimulationObserver> observers)
        : this([], [], omit, ledger, sim, observers)
    {
        _clients = clients;
    }

    /// <summary>The workers, by id; in a federated run, the clients active now, in the order they became active.</summary>
    public IReadOnlyList<Worker> Workers => _clients is null ? _workers : _activeList;

    /// <summary>The federated clients (null: a classic run with a fixed set of workers).</summary>
    public ClientFactory? Federated => _clients;

    /// <summary>Whether client <paramref name="client"/> is active now (federated).</summary>
    public bool IsActive(int client) => _active.ContainsKey(client);

    /// <summary>Active clients now (federated).</summary>
    public int ActiveCount => _active.Count;

    /// <summary>Byzantine clients among the active ones (federated).</summary>
    public int ActiveByzantine { get; private set; }

    /// <summary>Federated: materialises client <paramref name="client"/> for its activation <paramref name="activation"/> (round, or slot filling).</summary>
    public Worker Activate(int client, long activation)
    {
        var w = _clients!.Create(client, activation);
        _active.Add(client, w);
        _activeList.Add(w);
        if (w.Byzantine) ActiveByzantine++;
        return w;
    }

    /// <summary>Federated: client <paramref name="w"/> leaves; its state is forgotten (messages already sent go on).</summary>
    public void Release(Worker w)
    {
        if (!_active.Remove(w.Id)) throw new InvalidOperationException($"client {w.Id} is not active");
        _activeList.Remove(w);
        if (w.Byzantine) ActiveByzantine--;
        _clients!.Release(w);
    }

    /// <summary>Federated: every active client leaves.</summary>
    public void ReleaseAll()
    {
        foreach (var w in _activeList) _clients!.Release(w);
        _active.Clear();
        _activeList.Clear();
        ActiveByzantine = 0;
    }

    /// <summary>The worker (or active client) with id <paramref name="id"/>.</summary>
    public Worker Get(int id) => _clients is null ? _workers[id] : _active[id];

    /// <summary>The sequence number of the event being handled (0 before the first): observers get it with each dispatch.</summary>
    public long CurrentSequence { get; set; }

    /// <summary>Whether <paramref name="worker"/> ever sends: it has data or is Byzantine (whose row the attack writes,
    /// task.dataHolders honest), and is not an omitting Byzantine worker.</summary>
    public bool CanSend(Worker worker) => (worker.HasData || worker.Byzantine) && !(worker.Byzantine && _omit);

    /// <summary>Whether <paramref name="worker"/> is up now.</summary>
    public bool IsUp(Worker worker) => Availability(worker.Id).IsUp(_sim.Now);

    /// <summary>When worker <paramref name="worker"/> is next up from <paramref name="from"/> (<see cref="SimTime.MaxValue"/>: never).</summary>
    public SimTime NextUp(int worker, SimTime from) => Availability(worker).NextUp(from);

    private IAvailabilityModel Availability(int worker) => _clients is null ? _availability[worker] : AvailabilitySchedule.AlwaysUp;

    /// <summary>Records a new message of <paramref name="worker"/> read at <paramref name="version"/>, on row <paramref name="row"/>
    /// of <paramref name="slab"/> when one is given (see <see cref="MessageLedger.Open"/>).</summary>
    public SentMessage Open(Worker worker, long version, PayloadSlab? slab = null, int row = 0) => _ledger.Open(worker, version, slab, row);

    /// <summary>A slab for a synchronous round of <paramref name="rows"/> messages (see <see cref="MessageLedger.RentSlab"/>).</summary>
    public PayloadSlab RentSlab(int rows) => _ledger.RentSlab(rows);

    /// <summary>Moves a message still in flight off its round's slab (see <see cref="MessageLedger.Detach"/>).</summary>
    public void Detach(SentMessage message) => _ledger.Detach(message);

    /// <summary>Sends <paramref name="message"/>: draws its worker's compute latency then network delay
    /// (plus <paramref name="extraNetworkDelay"/>) and schedules its completion, or the crash that prevents it.</summary>
    /// <exception cref="DelayOverflowException">A draw would carry simulated time past its range.</exception>
    public void Dispatch(SentMessage message, SimTime extraNetworkDelay)
    {
        var w = Get(message.Info.Worker);
        SimTime compute = w.SampleCompute();
        SimTime drawn = w.SampleNetwork();
        SimTime network = Add(drawn, extraNetworkDelay, w, "network", drawn);
        Schedule(message, compute, network);
    }

    /// <summary>Sends a burst's extra copy <paramref name="message"/> with the timing of its first one (no new draws).</summary>
    public void DispatchLike(SentMessage message, SentMessage first)
        => Schedule(message, first.Info.ComputeDone - first.Info.Dispatched, first.NetworkDelay);

    /// <summary>A computation finished: the message leaves for the server. Returns it.</summary>
    public SentMessage CompleteCompute(ScheduledEvent<EngineEvent> e)
    {
        var p = _ledger[e.Payload.MessageId];
        foreach (var o in _observers) o.ComputeCompleted(e.Time, e.Sequence, p.Info);
        _sim.ScheduleAfter(p.NetworkDelay, new EngineEvent(EngineEventKind.Arrival, p.Info.Id, p.Info.ModelVersion), (int)EngineEventKind.Arrival);
        return p;
    }

    /// <summary>A message reached the server at version <paramref name="serverVersion"/>: tells the observers and returns it.</summary>
    public SentMessage Arrive(ScheduledEvent<EngineEvent> e, long serverVersion)
    {
        var p = _ledger[e.Payload.MessageId];
        foreach (var o in _observers) o.Arrived(e.Time, e.Sequence, p.Info, p.Payload.Span, serverVersion);
        return p;
    }

    /// <summary>A worker went down while computing: its message is dropped (never sent). Returns the message.</summary>
    public SentMessage Crash(ScheduledEvent<EngineEvent> e)
    {
        var p = _ledger[e.Payload.MessageId];
        foreach (var o in _observers) o.AvailabilityChanged(e.Time, p.Info.Worker, false);
        if (p.Info.Fate == MessageFate.Pending) _ledger.Resolve(p, MessageFate.Dropped, double.NaN, "worker crashed before sending");
        return p;
    }

    /// <summary>A worker that was down is up again: tells the observers and returns it.</summary>
    public Worker Recover(ScheduledEvent<EngineEvent> e)
    {
        int worker = (int)e.Payload.MessageId;
        foreach (var o in _observers) o.AvailabilityChanged(e.Time, worker, true);
        return Get(worker);
    }

    private void Schedule(SentMessage p, SimTime compute, SimTime network)
    {
        var w = Get(p.Info.Worker);
        p.NetworkDelay = network;
        SimTime computeDone = Add(_sim.Now, compute, w, "compute", compute);
        p.Info.ComputeDone = computeDone;
        p.Info.Arrival = Add(computeDone, network, w, "network", network);
        foreach (var o in _observers) o.Dispatched(_sim.Now, CurrentSequence, p.Info);
        SimTime crash = Availability(p.Info.Worker).NextCrash(_sim.Now);
        if (crash < p.Info.ComputeDone)
        {
            // The worker goes down before it finishes: the message is never sent.
            _sim.ScheduleAt(crash, new EngineEvent(EngineEventKind.Crash, p.Info.Id, p.Info.ModelVersion), (int)EngineEventKind.Crash);
            return;
        }
        _sim.ScheduleAfter(compute, new EngineEvent(EngineEventKind.ComputeDone, p.Info.Id, p.Info.ModelVersion), (int)EngineEventKind.ComputeDone);
    }

    /// <summary>Adds a delay to the clock; an overflow names the worker and the delay model that drew it.</summary>
    private SimTime Add(SimTime a, SimTime b, Worker w, string delay, SimTime drawn)
    {
        try
        {
            return a + b;
        }
        catch (SimTimeOverflowException ex)
        {
            throw new DelayOverflowException(w.Id, delay, delay == "compute" ? w.ComputeSpec : w.NetworkSpec, _sim.Now, drawn, ex);
        }
    }
}
