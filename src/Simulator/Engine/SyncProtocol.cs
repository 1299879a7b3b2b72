using SimByz.Aggregation.Rules;
using SimByz.Scheduler;
using SimByz.Simulator.Engine.Federation;

namespace SimByz.Simulator.Engine;

/// <summary>
/// Synchronous rounds (DESIGN.md, Synchronous protocol): round r starts when round r−1 closes; every
/// worker that is up reads x_r; the round closes when all dispatched replies are in
/// (<see cref="SyncWait.All"/>), the first k (<see cref="SyncWait.FirstK"/>) or at the deadline
/// (<see cref="SyncWait.Deadline"/>), and the server aggregates the replies in arrival order.
/// </summary>
/// <remarks>
/// <para>Honest workers compute their message when the round starts (the values do not depend on
/// when the event fires); the omniscient attack then crafts the Byzantine rows from all honest
/// messages of the round. Replies arriving after their round closed are dropped as late; a worker
/// crashing mid-round lowers the number of replies the round waits for. A round with no reply still
/// counts as a step. When nobody is up, the next round starts when the first worker recovers; when
/// nobody will ever be, the run ends.</para>
/// <para>Federated (<see cref="WorkerFleet.Federated"/>): each round starts by letting the previous round's clients
/// go and sampling m clients (<see cref="ClientSampler.SampleRound"/>); only they read x_r (FedAvg-style with
/// local steps). A round whose sampled clients cannot send (omitting Byzantine clients) closes with no reply at
/// once; a round with nobody available (availability trace) starts when the next window opens, or the run ends
/// when none will.</para>
/// <para>The round's messages are computed in parallel (each worker's depends on x and its own state only;
/// each is written to its own payload, and everything after — attack, dispatch, aggregation — runs on the
/// run's thread in worker order), so the thread count never reaches a result. The payloads are the rows of one
/// <see cref="PayloadSlab"/> per round in sending order, so the attack reads (and writes) them in place and, when
/// the replies arrive in sending order, the server aggregates them in place (no per-round copy). Allocates nothing per round
/// once its lists and the pools have grown, except in a federated run, which makes each sampled client's
/// small state (streams, sampler) when it is activated.</para>
/// <para>Not thread-safe (one run's thread).</para>
/// </remarks>
internal sealed class SyncProtocol : IProtocol, IChunkJob
{
    private readonly Simulation<EngineEvent> _sim;
    private readonly ParameterServer _server;
    private readonly MessageLedger _ledger;
    private readonly WorkerFleet _fleet;
    private readonly ByzantineCrafter _crafter;
    private readonly ProtocolOptions _protocol;
    private readonly OptimizerOptions _optimizer;
    private readonly List<SentMessage> _roundInputs = [];
    private readonly ClientSampler? _sampler;
    private readonly List<int> _sample = [];
    private readonly List<SentMessage> _sent = [];
    private readonly List<Worker> _senders = [];
    private readonly bool _parallel;
    private bool _skipBlindByzantine;
    private readonly bool _inPlace;
    private double _computeGamma;
    private long _round;
    private bool _roundOpen;
    private int _roundExpected;
    private bool _nobodyLeft;

    /// <param name="sim">The run's queue.</param>
    /// <param name="server">The server; its defence is a synchronous rule.</param>
    /// <param name="ledger">Where messages are resolved.</param>
    /// <param name="fleet">The workers.</param>
    /// <param name="crafter">Plays the gradient attack.</param>
    /// <param name="protocol">When a round closes: all, first k, or deadline.</param>
    /// <param name="optimizer">What workers compute.</param>
    /// <param name="parallelWorkers">Compute the round's messages on several threads (the aggregation rules' thread pool,
    /// <see cref="ChunkRunner"/>): false for models whose instances share process-wide state (torch).</param>
    /// <param name="inPlaceRounds">The round's payloads are the rows of one slab, read and written in place (the default);
    /// false: each message has a pooled vector of its own and the rows are copied (tests compare the two).</param>
    public SyncProtocol(Simulation<EngineEvent> sim, ParameterServer server, MessageLedger ledger, WorkerFleet fleet, ByzantineCrafter crafter,
        ProtocolOptions protocol, OptimizerOptions optimizer, bool parallelWorkers, bool inPlaceRounds = true)
    {
        _inPlace = inPlaceRounds;
        _sim = sim;
        _server = server;
        _ledger = ledger;
        _fleet = fleet;
        _crafter = crafter;
        _protocol = protocol;
        _optimizer = optimizer;
        _sampler = fleet.Federated is { } clients ? new ClientSampler(clients.Population) : null;
        _parallel = parallelWorkers;
    }

    public bool Finished => _server.BudgetReached || _nobodyLeft;

    public void Start() => StartRound();

    public void Handle(ScheduledEvent<EngineEvent> e)
    {
        switch (e.Payload.Kind)
        {
            case EngineEventKind.ComputeDone:
                _fleet.CompleteCompute(e);
                break;
            case EngineEventKind.Arrival:
                OnArrival(e);
                break;
            case EngineEventKind.Deadline:
                if (_roundOpen && e.Payload.Round == _round) CloseRound();
                break;
            case EngineEventKind.RoundRetry:
                if (!_roundOpen && !Finished) StartRound();
                break;
            case EngineEventKind.Crash:
                OnCrash(e);
                break;
            default:
                throw new InvalidOperationException($"the synchronous protocol schedules no {e.Payload.Kind} event");
        }
    }

    private void StartRound()
    {
        _roundOpen = true;
        _roundInputs.Clear();
        double gamma = _server.LearningRate;
        var sent = _sent;
        // The last round's replies still in flight (a first-k round or a deadline closed it) leave its slab for vectors
        // of their own, so that the slab goes back to the pool: stragglers never hold a whole round's slab each.
        foreach (var p in sent) _fleet.Detach(p);
        sent.Clear();
        if (_sampler is not null) SampleClients();
        var workers = _fleet.Workers;
        _senders.Clear();
        int honest = 0;
        for (int i = 0; i < workers.Count; i++)
        {
            var w = workers[i];
            if (!_fleet.CanSend(w) || !_fleet.IsUp(w)) continue;
            _senders.Add(w);
            if (!w.Byzantine) honest++;
        }
        // The round's messages are the rows of one slab, in sending order (see PayloadSlab).
        var slab = _inPlace && _senders.Count > 0 ? _fleet.RentSlab(_senders.Count) : null;
        for (int i = 0; i < _senders.Count; i++) sent.Add(_fleet.Open(_senders[i], _round, slab, i));
        // Every worker's message depends on x and its own state only, so they are computed side by side.
        _computeGamma = gamma;
        _skipBlindByzantine = _inPlace && _crafter.OverwritesWithoutReadingOwn(honest);
        if (_parallel) ChunkRunner.Run(this, sent.Count);
        else for (int i = 0; i < sent.Count; i++) RunChunk(i);
        _crafter.CraftRound(sent, gamma, _round);
        _roundExpected = sent.Count;
        foreach (var p in sent) _fleet.Dispatch(p, extraNetworkDelay: SimTime.Zero);
        if (_roundExpected == 0 && _sampler is not null)
        {
            if (_fleet.ActiveCount > 0)
            {
                // Sampled clients that cannot send (omission): the round closes with no reply, as at a deadline now.
                _sim.ScheduleAt(_sim.Now, new EngineEvent(EngineEventKind.Deadline, -1, _round), (int)EngineEventKind.Deadline);
                return;
            }
            // Nobody available (availability trace): try again when the next window opens, or end.
            _roundOpen = false;
            SimTime opening = _sampler.NextOpening();
            if (opening == SimTime.MaxValue) _nobodyLeft = true;
            else _sim.ScheduleAt(opening, new EngineEvent(EngineEventKind.RoundRetry, -1, _round), (int)EngineEventKind.RoundRetry);
            return;
        }
        if (_roundExpected == 0)
        {
            // Nobody is up: wait for the first recovery (the round starts again then), or end.
            _roundOpen = false;
            SimTime next = SimTime.MaxValue;
            foreach (var w in _fleet.Workers)
            {
                if (_fleet.CanSend(w)) next = SimTime.Min(next, _fleet.NextUp(w.Id, _sim.Now));
            }
            if (next == SimTime.MaxValue) _nobodyLeft = true;
            else _sim.ScheduleAt(next, new EngineEvent(EngineEventKind.RoundRetry, -1, _round), (int)EngineEventKind.RoundRetry);
            return;
        }
        if (_protocol.Wait == SyncWait.Deadline)
        {
            _sim.ScheduleAfter(_protocol.Deadline, new EngineEvent(EngineEventKind.Deadline, -1, _round), (int)EngineEventKind.Deadline);
        }
    }

    /// <summary>Federated: the previous round's clients leave and this round's are sampled and materialised.</summary>
    private void SampleClients()
    {
        _fleet.ReleaseAll();
        _sampler!.SampleRound(_sim.Now, _sample);
        foreach (int client in _sample) _fleet.Activate(client, _round);
        _server.NoteClients(_round, _fleet.ActiveCount, _fleet.ActiveByzantine);
    }

    /// <summary>Computes the message of <c>_sent[chunk]</c> (one worker: its own model clone, streams and payload row).
    /// A Byzantine worker without data whose row the attack overwrites without reading it computes nothing.</summary>
    public void RunChunk(int chunk)
    {
        var p = _sent[chunk];
        var w = _fleet.Get(p.Info.Worker);
        if (_skipBlindByzantine && w.Byzantine && !w.HasData) return;
        w.ComputeMessage(_server.Parameters, _optimizer, _computeGamma, p.Payload.Span);
    }

    private int NeededReplies() => _protocol.Wait == SyncWait.FirstK ? Math.Min(_protocol.K, _roundExpected) : _roundExpected;

    private void CloseRound()
    {
        _roundOpen = false;
        if (_roundInputs.Count > 0)
        {
            _server.AggregateAndApply(_roundInputs, _round);
        }
        else
        {
            _server.SkipStep();
        }
        _round++;
        if (!Finished) StartRound();
    }

    private void OnArrival(ScheduledEvent<EngineEvent> e)
    {
        var p = _fleet.Arrive(e, serverVersion: _round);
        if (Finished)
        {
            _ledger.Resolve(p, MessageFate.Dropped, double.NaN, "run ended");
            return;
        }
        p.Info.Staleness = _round - p.Info.ModelVersion;
        if (!_roundOpen || p.Info.ModelVersion != _round)
        {
            _ledger.Resolve(p, MessageFate.Dropped, double.NaN, "late: its round had closed");
            return;
        }
        _ledger.RecordStaleness(0);
        _roundInputs.Add(p);
        if (_roundInputs.Count >= NeededReplies()) CloseRound();
    }

    private void OnCrash(ScheduledEvent<EngineEvent> e)
    {
        var p = _fleet.Crash(e);
        if (_roundOpen && p.Info.ModelVersion == _round)
        {
            _roundExpected--;
            if (_roundInputs.Count >= NeededReplies() && (_roundInputs.Count > 0 || _roundExpected == 0)) CloseRound();
        }
    }
}
