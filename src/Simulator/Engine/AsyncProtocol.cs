using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Engine.Federation;

namespace SimByz.Simulator.Engine;

/// <summary>
/// Asynchronous SGD (DESIGN.md, Asynchronous protocol): each worker loops read x (version v),
/// compute, send, and starts again as soon as its message leaves. A message arriving at server
/// version v′ has staleness v′ − v (<see cref="StalenessMeasure.Versions"/>, the default; or the
/// messages received, or the simulated time, since the read: <see cref="ProtocolOptions.Staleness"/>).
/// </summary>
/// <remarks>
/// <para>Messages staler than <see cref="ProtocolOptions.MaxStaleness"/> are dropped before the
/// defence sees them. An async rule (async SGD, Zeno++, Kardam, …) decides per message (FedBuff and
/// BASGD may hold a message for a later update: ParameterServer.DecideAndApply); a synchronous rule runs
/// in buffered mode, aggregating every <see cref="ProtocolOptions.AsyncBuffer"/> messages that
/// reached it.</para>
/// <para>A Byzantine message is crafted when its worker reads the model, from the latest message of
/// every honest worker. With a timing behaviour a Byzantine worker may read an older model, add
/// network delay, or send a burst of messages at once (copies of one crafted row, or distinct rows);
/// only a burst's first message starts the worker's next iteration. Each Byzantine worker draws its
/// timing from its own stream.</para>
/// <para>A worker that is down, or crashes while computing, starts again when it recovers.</para>
/// <para>Federated (<see cref="WorkerFleet.Federated"/>): m slots. A slot is filled by sampling a client among those
/// not active (<see cref="ClientSampler.SampleOne"/>); the client reads x, computes and sends once, and leaves when
/// its message leaves (compute done), which frees the slot for the next draw. An omitting Byzantine client holds its
/// slot for one compute-latency draw and sends nothing. With an availability trace a slot with nobody to draw waits
/// for the next window to open.</para>
/// <para>Not thread-safe (one run's thread).</para>
/// </remarks>
internal sealed class AsyncProtocol : IProtocol
{
    private readonly Simulation<EngineEvent> _sim;
    private readonly ParameterServer _server;
    private readonly List<float[]> _honestView = [];
    private readonly MessageLedger _ledger;
    private readonly WorkerFleet _fleet;
    private readonly ByzantineCrafter _crafter;
    private readonly ProtocolOptions _protocol;
    private readonly OptimizerOptions _optimizer;
    private readonly IAsyncBehaviour? _behaviour;
    private readonly ulong _seed;
    private readonly ClientSampler? _sampler;
    // Federated: slot fillings so far (each filling is a client's activation number) and slots waiting for a window to open.
    private long _fillings;
    private int _waitingSlots;
    private readonly List<SentMessage> _buffer = [];
    // Messages received by the server so far (each message notes the value when it read the model: staleness in messages).
    private long _received;
    // Honest messages: computed on helper threads, or on the run's thread with the same deferred errors.
    private readonly GradientPipeline _pipeline;

    /// <param name="sim">The run's queue.</param>
    /// <param name="server">The server; its defence is an async rule or a synchronous rule in buffered mode.</param>
    /// <param name="ledger">Where messages are resolved.</param>
    /// <param name="fleet">The workers.</param>
    /// <param name="crafter">Plays the gradient attack.</param>
    /// <param name="protocol">Staleness bound and buffer size.</param>
    /// <param name="optimizer">What workers compute.</param>
    /// <param name="behaviour">The Byzantine workers' timing behaviour, or null.</param>
    /// <param name="seed">The run's root seed (the behaviour's per-worker streams derive from it).</param>
    /// <param name="pipeline">Compute honest messages on helper threads (<see cref="GradientPipeline"/>): false for models
    /// whose instances share process-wide state (torch), or with one thread.</param>
    public AsyncProtocol(Simulation<EngineEvent> sim, ParameterServer server, MessageLedger ledger, WorkerFleet fleet, ByzantineCrafter crafter,
        ProtocolOptions protocol, OptimizerOptions optimizer, IAsyncBehaviour? behaviour, ulong seed, bool pipeline = false)
    {
        _pipeline = new GradientPipeline(handsOver: pipeline);
        _sim = sim;
        _server = server;
        _ledger = ledger;
        _fleet = fleet;
        _crafter = crafter;
        _protocol = protocol;
        _optimizer = optimizer;
        _behaviour = behaviour;
        _seed = seed;
        _sampler = fleet.Federated is { } clients ? new ClientSampler(clients.Population) : null;
    }

    public bool Finished => _server.BudgetReached;

    /// <summary>Messages handed to helper threads so far (0 without the pipeline).</summary>
    public long PipelinedMessages => _pipeline.HandedOver;

    /// <summary>Messages helper threads computed so far.</summary>
    public long ComputedByHelpers => _pipeline.ComputedByHelpers;

    /// <summary>Computations not yet waited for (0 once the run has ended, whatever way).</summary>
    internal int OutstandingComputations => _pipeline.Outstanding;

    public void WaitForComputations(bool rethrow)
    {
        try
        {
            if (rethrow) _pipeline.WaitAll();
            else _pipeline.Quiesce();
        }
        finally
        {
            _pipeline.End();
        }
    }

    public void Start()
    {
        if (_sampler is not null)
        {
            int slots = _fleet.Federated!.Population.PerRound;
            for (int k = 0; k < slots; k++) FillSlot();
            return;
        }
        foreach (var w in _fleet.Workers) StartIteration(w);
    }

    /// <summary>Federated: samples a client for a free slot and starts it, or waits for the next availability window.</summary>
    private void FillSlot()
    {
        if (Finished) return;
        int client = _sampler!.SampleOne(_sim.Now, _fleet.ActiveCount, _fleet.IsActive);
        if (client < 0)
        {
            SimTime opening = _sampler.NextOpening();
            if (opening == SimTime.MaxValue) return;
            _waitingSlots++;
            if (_waitingSlots == 1) _sim.ScheduleAt(opening, new EngineEvent(EngineEventKind.SlotRetry, -1, -1), (int)EngineEventKind.SlotRetry);
            return;
        }
        var w = _fleet.Activate(client, _fillings++);
        _server.NoteClients(_fillings - 1, _fleet.ActiveCount, _fleet.ActiveByzantine);
        if (!_fleet.CanSend(w))
        {
            // An omitting Byzantine client: it holds its slot as long as a computation would take, and sends nothing.
            _sim.ScheduleAfter(w.SampleCompute(), new EngineEvent(EngineEventKind.ClientIdle, client, -1), (int)EngineEventKind.ClientIdle);
            return;
        }
        StartIteration(w);
    }

    /// <summary>Federated: client <paramref name="w"/> leaves and its slot is filled again.</summary>
    private void Leave(Worker w)
    {
        _fleet.Release(w);
        FillSlot();
    }

    public void Handle(ScheduledEvent<EngineEvent> e)
    {
        switch (e.Payload.Kind)
        {
            case EngineEventKind.ComputeDone:
                var done = _fleet.CompleteCompute(e);
                _pipeline.Wait(done);
                if (done.Primary)
                {
                    if (_sampler is null) StartIteration(_fleet.Workers[done.Info.Worker]);
                    else Leave(_fleet.Get(done.Info.Worker));
                }
                break;
            case EngineEventKind.ClientIdle:
                Leave(_fleet.Get((int)e.Payload.MessageId));
                break;
            case EngineEventKind.SlotRetry:
                int waiting = _waitingSlots;
                _waitingSlots = 0;
                for (int k = 0; k < waiting; k++) FillSlot();
                break;
            case EngineEventKind.Arrival:
                OnArrival(e);
                break;
            case EngineEventKind.Restart:
                StartIteration(_fleet.Recover(e));
                break;
            case EngineEventKind.Crash:
                // Its computation ends before the message is dropped (the drop returns its payload to the pool).
                _pipeline.Wait(_ledger[e.Payload.MessageId]);
                var lost = _fleet.Crash(e);
                if (lost.Primary) ScheduleRestart(lost.Info.Worker, _fleet.NextUp(lost.Info.Worker, e.Time));
                break;
            default:
                throw new InvalidOperationException($"the asynchronous protocol schedules no {e.Payload.Kind} event");
        }
    }

    private void StartIteration(Worker w)
    {
        if (Finished || !_fleet.CanSend(w)) return;
        if (!_fleet.IsUp(w))
        {
            ScheduleRestart(w.Id, _fleet.NextUp(w.Id, _sim.Now));
            return;
        }
        double gamma = _server.LearningRate;
        if (!w.Byzantine || _behaviour is null)
        {
            var p = _fleet.Open(w, _server.Step);
            NoteRead(p);
            if (!w.Byzantine) _pipeline.Compute(w, p, _server.Parameters, _optimizer, gamma);
            else w.ComputeMessage(_server.Parameters, _optimizer, gamma, p.Payload.Span);
            if (w.Byzantine) Craft([p], gamma);
            _fleet.Dispatch(p, SimTime.Zero);
            return;
        }
        // A Byzantine worker with a timing behaviour: maybe an old model, maybe extra delay, maybe a burst.
        var rng = w.BehaviourRng ??= RandomStreams.Derive(_seed, StreamPurpose.AttackTiming, w.StreamKey);
        long oldest = _server.OldestKeptVersion;
        long version = Math.Clamp(_behaviour.ModelVersionToRead(_server.Step, rng), oldest, _server.Step);
        ReadOnlySpan<float> model = _server.ModelAt(version);
        SimTime extra = _behaviour.ExtraDelay(rng);
        int burst = Math.Max(1, _behaviour.BurstSize);
        var burstMessages = new List<SentMessage>(burst);
        for (int k = 0; k < burst; k++)
        {
            var p = _fleet.Open(w, version);
            NoteRead(p);
            p.Primary = k == 0;
            if (k == 0) w.ComputeMessage(model, _optimizer, gamma, p.Payload.Span);
            else burstMessages[0].Payload.Span.CopyTo(p.Payload.Span);
            burstMessages.Add(p);
        }
        if (_behaviour.BurstMode == BurstMode.Distinct || burst == 1)
        {
            Craft(burstMessages, gamma);
        }
        else
        {
            Craft([burstMessages[0]], gamma);
            for (int k = 1; k < burst; k++) burstMessages[0].Payload.Span.CopyTo(burstMessages[k].Payload.Span);
        }
        _fleet.Dispatch(burstMessages[0], extra);
        for (int k = 1; k < burst; k++) _fleet.DispatchLike(burstMessages[k], burstMessages[0]);
    }

    /// <summary>The omniscient attack sees the latest message of every honest worker that has sent one.</summary>
    private void Craft(List<SentMessage> sent, double gamma)
    {
        _honestView.Clear();
        if (_crafter.ReadsHonestView)
        {
            // The honest workers' latest messages, as if each had been computed when its worker read the model.
            _pipeline.WaitAll();
            var workers = _fleet.Workers;
            for (int i = 0; i < workers.Count; i++) if (workers[i] is { Byzantine: false, Latest: { } latest }) _honestView.Add(latest);
        }
        _crafter.Craft(sent, _honestView, gamma, _server.Step);
    }

    private void ScheduleRestart(int worker, SimTime at)
    {
        if (at != SimTime.MaxValue) _sim.ScheduleAt(at, new EngineEvent(EngineEventKind.Restart, worker, -1), (int)EngineEventKind.Restart);
    }

    private void NoteRead(SentMessage p) => p.ReceivedAtRead = _received;

    private void OnArrival(ScheduledEvent<EngineEvent> e)
    {
        var p = _fleet.Arrive(e, serverVersion: _server.Step);
        if (Finished)
        {
            _ledger.Resolve(p, MessageFate.Dropped, double.NaN, "run ended");
            return;
        }
        long staleness = _protocol.Staleness switch
        {
            StalenessMeasure.Messages => _received - p.ReceivedAtRead,
            StalenessMeasure.Time => (e.Time - p.Info.Dispatched).Nanoseconds,
            _ => _server.Step - p.Info.ModelVersion,
        };
        _received = checked(_received + 1);
        p.Info.Staleness = staleness;
        if (_protocol.MaxStaleness >= 0 && staleness > _protocol.MaxStaleness)
        {
            _ledger.Resolve(p, MessageFate.Dropped, double.NaN, $"staleness {staleness} > max {_protocol.MaxStaleness}");
            return;
        }
        _ledger.RecordStaleness(staleness);
        if (_server.DecidesPerMessage)
        {
            _server.DecideAndApply(p, staleness, _server.Step);
            return;
        }
        _buffer.Add(p);
        if (_buffer.Count >= _protocol.AsyncBuffer)
        {
            _server.AggregateAndApply(_buffer, _server.Step);
        }
    }
}
