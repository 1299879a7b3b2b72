using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>
/// The workers as both protocols see them: who may send, who is up, and each message's way to the
/// server (compute latency, then network delay, or a crash first) on the run's event queue.
/// </summary>
/// <remarks>A message's compute and network delays are drawn when it is dispatched, compute first,
/// from its worker's own streams; so the timing of every message is fixed by the seed whatever the
/// defence does. Not thread-safe (one run's thread).</remarks>
internal sealed class WorkerFleet
{
    private readonly Worker[] _workers;
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

    /// <summary>The workers, by id (the array itself: a foreach over it allocates no enumerator).</summary>
    public Worker[] Workers => _workers;

    /// <summary>The sequence number of the event being handled (0 before the first): observers get it with each dispatch.</summary>
    public long CurrentSequence { get; set; }

    /// <summary>Whether <paramref name="worker"/> ever sends: it has data or is Byzantine (whose row the attack writes,
    /// task.dataHolders honest), and is not an omitting Byzantine worker.</summary>
    public bool CanSend(Worker worker) => (worker.HasData || worker.Byzantine) && !(worker.Byzantine && _omit);

    /// <summary>Whether <paramref name="worker"/> is up now.</summary>
    public bool IsUp(Worker worker) => _availability[worker.Id].IsUp(_sim.Now);

    /// <summary>When worker <paramref name="worker"/> is next up from <paramref name="from"/> (<see cref="SimTime.MaxValue"/>: never).</summary>
    public SimTime NextUp(int worker, SimTime from) => _availability[worker].NextUp(from);

    /// <summary>Records a new message of <paramref name="worker"/> read at <paramref name="version"/> (see <see cref="MessageLedger.Open"/>).</summary>
    public SentMessage Open(Worker worker, long version) => _ledger.Open(worker, version);

    /// <summary>Sends <paramref name="message"/>: draws its worker's compute latency then network delay
    /// (plus <paramref name="extraNetworkDelay"/>) and schedules its completion, or the crash that prevents it.</summary>
    /// <exception cref="DelayOverflowException">A draw would carry simulated time past its range.</exception>
    public void Dispatch(SentMessage message, SimTime extraNetworkDelay)
    {
        var w = _workers[message.Info.Worker];
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
        foreach (var o in _observers) o.Arrived(e.Time, e.Sequence, p.Info, p.Payload, serverVersion);
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
        return _workers[worker];
    }

    private void Schedule(SentMessage p, SimTime compute, SimTime network)
    {
        var w = _workers[p.Info.Worker];
        p.NetworkDelay = network;
        SimTime computeDone = Add(_sim.Now, compute, w, "compute", compute);
        p.Info.ComputeDone = computeDone;
        p.Info.Arrival = Add(computeDone, network, w, "network", network);
        foreach (var o in _observers) o.Dispatched(_sim.Now, CurrentSequence, p.Info);
        SimTime crash = _availability[p.Info.Worker].NextCrash(_sim.Now);
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
