using SimByz.Aggregation;
using SimByz.Aggregation.Registry;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Sampling;
using SimByz.Simulator.Tasks;

namespace SimByz.Simulator.Engine;

/// <summary>
/// One defence's simulated training run on the discrete-event scheduler, synchronous or
/// asynchronous (DESIGN.md, Workers and server; Synchronous and Asynchronous protocol).
/// </summary>
/// <remarks>
/// <para><b>Synchronous.</b> Round r starts when round r−1 aggregates. Every worker that is up reads
/// x_r; honest workers compute their message then (eagerly: the values do not depend on when the
/// event fires); the omniscient attack then crafts the Byzantine rows from all honest messages of
/// the round. Each message arrives after compute latency + network delay. The round aggregates when
/// all dispatched messages are in (<see cref="SyncWait.All"/>), the first k (<see cref="SyncWait.FirstK"/>),
/// or at the deadline (<see cref="SyncWait.Deadline"/>); replies arriving after their round closed
/// are dropped as late. Inputs are aggregated in arrival order.</para>
/// <para><b>Asynchronous.</b> Each worker loops: read x (version v), compute, send, and start again
/// at once. A message arriving at server version v′ has staleness v′ − v. An async rule (async SGD,
/// Zeno++) decides per message; a synchronous rule runs in buffered mode, aggregating every
/// <see cref="ProtocolOptions.AsyncBuffer"/> arrived messages. Messages staler than
/// <see cref="ProtocolOptions.MaxStaleness"/> are dropped. A Byzantine message is crafted when its
/// worker reads the model, from the latest message of every honest worker.</para>
/// <para>Event priorities at equal times: compute completion (1) before arrival (2) before a
/// deadline (3); then scheduling order. Every message ends exactly once as applied, rejected or
/// dropped; messages still in flight when the run ends are dropped with reason "run ended".</para>
/// <para>Deterministic: all randomness comes from streams derived from <see cref="RunSetup.Seed"/>.
/// Not thread-safe; distinct runs may execute in parallel.</para>
/// </remarks>
public sealed class TrainingRun
{
    private enum EventKind : byte
    {
        ComputeDone = 1,
        Arrival = 2,
        Deadline = 3,
        RoundRetry = 4,
        Restart = 5,
        Crash = 0,
    }

    private readonly record struct SimEvent(EventKind Kind, long MessageId, long Round);

    private sealed class Pending
    {
        public required MessageInfo Info;
        public float[]? Payload;
        public SimTime NetworkDelay;

        /// <summary>Async: this message's completion starts its worker's next iteration (false for burst extras).</summary>
        public bool Primary = true;
    }

    private readonly RunSetup _setup;
    private readonly string _defence;
    private readonly IAggregator? _rule;
    private readonly IAggregator? _ruleAsAttackerSeesIt;
    private readonly IAsyncAggregator? _asyncRule;
    private readonly IGradientAttack? _attack;
    private readonly bool _omit;
    private readonly IAsyncBehaviour? _behaviour;
    private readonly RandomStream?[] _behaviourRngs;
    private readonly IAvailabilityModel[] _availability;
    private readonly float[][] _history;
    private readonly IReadOnlyList<ISimulationObserver> _observers;
    private readonly Simulation<SimEvent> _sim = new(256);
    private readonly Worker[] _workers;
    private readonly ModelValidationOracle _validation;
    private readonly MinibatchSampler _validationSampler;
    private readonly IModel _evalModel;
    private readonly int[] _trainRows, _validationRows, _testRows;
    private readonly float[] _x, _aggregate, _serverMomentum;
    private readonly AggregationDiagnostics _diagnostics = new();
    private readonly List<Pending> _messages = [];
    private readonly List<Pending> _roundInputs = [];
    private readonly Stack<float[]> _payloadPool = new();
    private readonly RandomStream _attackRng;
    private readonly List<MetricsRow> _rows = [];
    private readonly int _d;

    private long _step;
    private long _currentSequence;
    private long _round;
    private bool _roundOpen;
    private int _roundExpected;
    private bool _finished;
    private long _messagesSent;
    private long _honestApplied, _honestRejected, _honestDropped, _byzApplied, _byzRejected, _byzDropped;
    private long _staleCount;
    private double _staleSum, _staleMin = double.PositiveInfinity, _staleMax = double.NegativeInfinity;

    /// <summary>Prepares a run of <paramref name="defenceSpec"/> (a synchronous rule spec, or for async
    /// runs an async rule spec such as <c>zeno++</c> or a synchronous rule in buffered mode).</summary>
    public TrainingRun(RunSetup setup, string defenceSpec, IReadOnlyList<ISimulationObserver>? observers = null)
    {
        setup.Validate();
        _setup = setup;
        _defence = defenceSpec;
        _observers = observers ?? [];
        (_rule, _asyncRule) = CreateDefence(setup, defenceSpec);
        // Adaptive attacks probe the defence by running it: they get their own instance, so their
        // trial aggregations never advance the server's stateful rules (centered clipping, bucketing).
        _ruleAsAttackerSeesIt = _rule is null ? null : CreateDefence(setup, defenceSpec).Rule;
        _attack = setup.GradientAttack?.Invoke();
        _omit = _attack?.IsOmission == true;
        _behaviour = setup.Protocol.Kind == ProtocolKind.Async ? setup.AsyncBehaviour?.Invoke() : null;
        _behaviourRngs = new RandomStream?[setup.WorkerCount];
        _availability = new IAvailabilityModel[setup.WorkerCount];
        for (int i = 0; i < _availability.Length; i++) _availability[i] = setup.Availability?.Invoke(i) ?? AvailabilitySchedule.AlwaysUp;
        _attackRng = RandomStreams.Derive(setup.Seed, StreamPurpose.Attack, 0);
        _d = setup.Model.ParameterCount;
        _x = new float[_d];
        _aggregate = new float[_d];
        _serverMomentum = new float[_d];
        setup.Model.Initialize(_x, RandomStreams.Derive(setup.Seed, StreamPurpose.ModelInit, 0));
        int depth = Math.Max(0, _behaviour?.HistoryDepth ?? 0);
        _history = new float[depth == 0 ? 0 : depth + 1][];
        for (int k = 0; k < _history.Length; k++) _history[k] = new float[_d];
        if (_history.Length > 0) _x.CopyTo(_history[0]);

        Dataset? poisoned = null;
        IModel prototype = setup.Model.CloneForRun();
        _workers = new Worker[setup.WorkerCount];
        for (int i = 0; i < _workers.Length; i++)
        {
            Dataset data = setup.Train;
            if (setup.Byzantine[i] && setup.DataAttack is not null)
            {
                poisoned ??= Poison(setup.Train, setup.DataAttack);
                data = poisoned;
            }
            _workers[i] = new Worker(i, setup.Byzantine[i], setup, data, prototype);
        }
        _validation = new ModelValidationOracle(prototype.Clone(), setup.Train);
        _validationSampler = MinibatchSampler.ForServerValidation(setup.Seed, setup.ValidationRows, setup.ValidationBatchSize);
        _evalModel = prototype.Clone();
        _trainRows = Range(Math.Min(setup.Evaluation.TrainRows, setup.Train.Count));
        _validationRows = setup.ValidationRows;
        _testRows = Range(setup.Test.Count);
    }

    /// <summary>Builds the defence: an async rule for async scenarios when the name is one, else a
    /// synchronous rule (in async scenarios it runs in buffered mode and needs protocol.asyncBuffer).</summary>
    private static (IAggregator? Rule, IAsyncAggregator? AsyncRule) CreateDefence(RunSetup setup, string spec)
    {
        var buildContext = new AggregatorBuildContext(setup.Seed, setup.ByzantineCount);
        bool isAsyncName = AggregatorRegistry.IsAsyncRule(spec);
        if (setup.Protocol.Kind == ProtocolKind.Async && isAsyncName) return (null, AggregatorRegistry.CreateAsync(spec, buildContext));
        if (isAsyncName) throw new SimByzException($"defence '{spec}' is an asynchronous rule: it needs protocol.kind \"async\"");
        var rule = AggregatorRegistry.Create(spec, buildContext);
        if (setup.Protocol.Kind == ProtocolKind.Async && setup.Protocol.AsyncBuffer < 1)
        {
            throw new SimByzException($"defence '{spec}' is a synchronous rule: in an async scenario give protocol.asyncBuffer ≥ 1 (aggregate every m messages) or use an async rule");
        }
        return (rule, null);
    }

    /// <summary>Throws <see cref="SimByzException"/> if <paramref name="spec"/> is not a valid defence for <paramref name="setup"/>.</summary>
    public static void CheckDefence(RunSetup setup, string spec) => CreateDefence(setup, spec);

    /// <summary>The defence spec this run uses.</summary>
    public string Defence => _defence;

    /// <summary>The server model (live during the run, final after it).</summary>
    public ReadOnlySpan<float> Parameters => _x;

    /// <summary>Evaluation points so far.</summary>
    public IReadOnlyList<MetricsRow> Rows => _rows;

    /// <summary>Every message sent so far, in sending order.</summary>
    public IEnumerable<MessageInfo> Messages => _messages.Select(m => m.Info);

    /// <summary>Server steps so far: sync rounds closed (a round whose replies all missed the deadline or
    /// were lost to crashes leaves the model unchanged but still counts), async applied updates.</summary>
    public long Steps => _step;

    public SimTime Now => _sim.Now;

    public long EventsProcessed => _sim.EventsProcessed;

    /// <summary>Runs to the budget; <paramref name="progress"/> gets the step count after each step.</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellation"/> fires (checked every 1024 events).</exception>
    public RunResult Run(Action<long>? progress = null, CancellationToken cancellation = default)
    {
        Evaluate();
        if (_setup.Protocol.Kind == ProtocolKind.Sync)
        {
            StartRound();
        }
        else
        {
            foreach (var w in _workers) StartIteration(w);
        }
        long lastReported = -1;
        SimTime end = _setup.Budget.Time ?? SimTime.MaxValue;
        // Without an explicit cap, a step budget alone bounds the messages at 50 per worker per step,
        // so an async rule that rejects everything cannot loop forever; a time budget needs no cap.
        long maxMessages = _setup.Budget.MaxMessages > 0 ? _setup.Budget.MaxMessages
            : _setup.Budget.Time is null ? Math.Max(1, _setup.Budget.Steps) * _setup.WorkerCount * 50 : long.MaxValue;
        string stop = "no worker can send";
        while (true)
        {
            if (_finished) { stop = _setup.Budget.Steps > 0 && _step >= _setup.Budget.Steps ? "steps" : stop; break; }
            if (!_sim.TryPeekTime(out var next)) { stop = "no pending event"; break; }
            if (next > end) { stop = "time"; break; }
            if (_messagesSent > maxMessages) { stop = "message cap"; break; }
            if ((_sim.EventsProcessed & 1023) == 0) cancellation.ThrowIfCancellationRequested();
            _sim.Step(Handle);
            if (progress is not null && _step != lastReported)
            {
                lastReported = _step;
                progress(_step);
            }
        }
        foreach (var m in _messages)
        {
            if (m.Info.Fate == MessageFate.Pending) Resolve(m, MessageFate.Dropped, double.NaN, "run ended");
        }
        // The last point must count the messages dropped at the end too; if the model has not changed
        // since the last evaluation, only its counters are brought up to date.
        if (_rows.Count > 0 && _rows[^1].Step == _step)
        {
            var updated = _rows[^1] with { Counts = Counts() };
            if (updated != _rows[^1])
            {
                _rows[^1] = updated;
                // Observers (traces) see the final row as it ends up in metrics.csv.
                foreach (var o in _observers) o.Evaluated(_sim.Now, updated);
            }
        }
        else
        {
            Evaluate();
        }
        return new RunResult(_defence, _rows.ToList(), _step, _sim.Now, _sim.EventsProcessed, _messages.Count, stop);
    }

    private void Handle(ScheduledEvent<SimEvent> e)
    {
        _currentSequence = e.Sequence;
        switch (e.Payload.Kind)
        {
            case EventKind.ComputeDone:
                OnComputeDone(e);
                break;
            case EventKind.Arrival:
                OnArrival(e);
                break;
            case EventKind.Deadline:
                if (_roundOpen && e.Payload.Round == _round) CloseRound();
                break;
            case EventKind.RoundRetry:
                if (!_roundOpen && !_finished) StartRound();
                break;
            case EventKind.Restart:
                foreach (var o in _observers) o.AvailabilityChanged(e.Time, (int)e.Payload.MessageId, true);
                StartIteration(_workers[(int)e.Payload.MessageId]);
                break;
            case EventKind.Crash:
                OnCrash(e);
                break;
        }
    }

    // ---------------------------------------------------------------- synchronous

    private void StartRound()
    {
        _roundOpen = true;
        _roundInputs.Clear();
        double gamma = _setup.Optimizer.LearningRateAt(_step);
        var sent = new List<Pending>();
        foreach (var w in _workers)
        {
            if (!CanSend(w) || !_availability[w.Id].IsUp(_sim.Now)) continue;
            var p = NewMessage(w, _round);
            w.ComputeMessage(_x, _setup.Optimizer, gamma, p.Payload);
            sent.Add(p);
        }
        CraftByzantine(sent, gamma);
        _roundExpected = sent.Count;
        foreach (var p in sent) Dispatch(p, extraNetworkDelay: SimTime.Zero);
        if (_roundExpected == 0)
        {
            // Nobody is up: wait for the first recovery (the round starts again then), or end.
            _roundOpen = false;
            SimTime next = SimTime.MaxValue;
            foreach (var w in _workers)
            {
                if (CanSend(w)) next = SimTime.Min(next, _availability[w.Id].NextUp(_sim.Now));
            }
            if (next == SimTime.MaxValue) _finished = true;
            else _sim.ScheduleAt(next, new SimEvent(EventKind.RoundRetry, -1, _round), (int)EventKind.RoundRetry);
            return;
        }
        if (_setup.Protocol.Wait == SyncWait.Deadline)
        {
            _sim.ScheduleAfter(_setup.Protocol.Deadline, new SimEvent(EventKind.Deadline, -1, _round), (int)EventKind.Deadline);
        }
    }

    private bool CanSend(Worker w) => w.HasData && !(w.Byzantine && _omit);

    private int NeededReplies() => _setup.Protocol.Wait == SyncWait.FirstK ? Math.Min(_setup.Protocol.K, _roundExpected) : _roundExpected;

    private void CloseRound()
    {
        _roundOpen = false;
        if (_roundInputs.Count > 0)
        {
            AggregateAndApply(_roundInputs, _round);
        }
        else
        {
            AdvanceStep(applied: false);
        }
        _round++;
        if (!_finished) StartRound();
    }

    // ---------------------------------------------------------------- asynchronous

    private void StartIteration(Worker w)
    {
        if (_finished || !CanSend(w)) return;
        if (!_availability[w.Id].IsUp(_sim.Now))
        {
            ScheduleRestart(w.Id, _availability[w.Id].NextUp(_sim.Now));
            return;
        }
        double gamma = _setup.Optimizer.LearningRateAt(_step);
        if (!w.Byzantine || _behaviour is null)
        {
            var p = NewMessage(w, _step);
            w.ComputeMessage(_x, _setup.Optimizer, gamma, p.Payload!);
            if (w.Byzantine) CraftByzantine([p], gamma);
            Dispatch(p, SimTime.Zero);
            return;
        }
        // A Byzantine worker with a timing behaviour: maybe an old model, maybe extra delay, maybe a burst.
        var rng = _behaviourRngs[w.Id] ??= RandomStreams.Derive(_setup.Seed, StreamPurpose.AttackTiming, w.Id);
        long oldest = Math.Max(0, _step - Math.Max(0, _history.Length - 1));
        long version = Math.Clamp(_behaviour.ModelVersionToRead(_step, rng), oldest, _step);
        ReadOnlySpan<float> model = version == _step || _history.Length == 0 ? _x : _history[(int)(version % _history.Length)];
        SimTime extra = _behaviour.ExtraDelay(rng);
        int burst = Math.Max(1, _behaviour.BurstSize);
        var burstMessages = new List<Pending>(burst);
        for (int k = 0; k < burst; k++)
        {
            var p = NewMessage(w, version);
            p.Primary = k == 0;
            if (k == 0) w.ComputeMessage(model, _setup.Optimizer, gamma, p.Payload!);
            else burstMessages[0].Payload.AsSpan().CopyTo(p.Payload);
            burstMessages.Add(p);
        }
        if (_behaviour.BurstMode == BurstMode.Distinct || burst == 1)
        {
            CraftByzantine(burstMessages, gamma);
        }
        else
        {
            CraftByzantine([burstMessages[0]], gamma);
            for (int k = 1; k < burst; k++) burstMessages[0].Payload.AsSpan().CopyTo(burstMessages[k].Payload);
        }
        Dispatch(burstMessages[0], extra);
        for (int k = 1; k < burst; k++) DispatchLike(burstMessages[k], burstMessages[0]);
    }

    private void ScheduleRestart(int worker, SimTime at)
    {
        if (at != SimTime.MaxValue) _sim.ScheduleAt(at, new SimEvent(EventKind.Restart, worker, -1), (int)EventKind.Restart);
    }

    private void OnAsyncArrival(Pending p)
    {
        long staleness = _step - p.Info.ModelVersion;
        p.Info.Staleness = staleness;
        if (_setup.Protocol.MaxStaleness >= 0 && staleness > _setup.Protocol.MaxStaleness)
        {
            Resolve(p, MessageFate.Dropped, double.NaN, $"staleness {staleness} > max {_setup.Protocol.MaxStaleness}");
            return;
        }
        RecordStaleness(staleness);
        if (_asyncRule is not null)
        {
            _validation.DrawBatch(_validationSampler);
            var ctx = Context();
            var decision = _asyncRule.Decide(new AsyncMessage(p.Info.Worker, p.Info.ModelVersion, staleness, p.Payload), ctx, _aggregate);
            if (decision.Accepted)
            {
                Resolve(p, MessageFate.Applied, decision.Score, decision.Reason);
                ApplyUpdate(_aggregate);
            }
            else
            {
                Resolve(p, MessageFate.Rejected, decision.Score, decision.Reason);
            }
            return;
        }
        _roundInputs.Add(p);
        if (_roundInputs.Count >= _setup.Protocol.AsyncBuffer)
        {
            AggregateAndApply(_roundInputs, _step);
        }
    }

    // ---------------------------------------------------------------- shared

    private Pending NewMessage(Worker w, long version)
    {
        var info = new MessageInfo
        {
            Id = _messages.Count,
            Worker = w.Id,
            Byzantine = w.Byzantine,
            ModelVersion = version,
            Dispatched = _sim.Now,
        };
        var p = new Pending { Info = info, Payload = RentPayload() };
        _messages.Add(p);
        _messagesSent++;
        return p;
    }

    private void Dispatch(Pending p, SimTime extraNetworkDelay)
    {
        var w = _workers[p.Info.Worker];
        SimTime compute = w.SampleCompute();
        SimTime network = w.SampleNetwork() + extraNetworkDelay;
        Schedule(p, compute, network);
    }

    /// <summary>A burst's extra copies leave with the first one.</summary>
    private void DispatchLike(Pending p, Pending first)
        => Schedule(p, first.Info.ComputeDone - first.Info.Dispatched, first.NetworkDelay);

    private void Schedule(Pending p, SimTime compute, SimTime network)
    {
        p.NetworkDelay = network;
        p.Info.ComputeDone = _sim.Now + compute;
        p.Info.Arrival = _sim.Now + compute + network;
        foreach (var o in _observers) o.Dispatched(_sim.Now, _currentSequence, p.Info);
        SimTime crash = _availability[p.Info.Worker].NextCrash(_sim.Now);
        if (crash < p.Info.ComputeDone)
        {
            // The worker goes down before it finishes: the message is never sent.
            _sim.ScheduleAt(crash, new SimEvent(EventKind.Crash, p.Info.Id, p.Info.ModelVersion), (int)EventKind.Crash);
            return;
        }
        _sim.ScheduleAfter(compute, new SimEvent(EventKind.ComputeDone, p.Info.Id, p.Info.ModelVersion), (int)EventKind.ComputeDone);
    }

    private void OnCrash(ScheduledEvent<SimEvent> e)
    {
        var p = _messages[(int)e.Payload.MessageId];
        foreach (var o in _observers) o.AvailabilityChanged(e.Time, p.Info.Worker, false);
        if (p.Info.Fate == MessageFate.Pending) Resolve(p, MessageFate.Dropped, double.NaN, "worker crashed before sending");
        if (_setup.Protocol.Kind == ProtocolKind.Async)
        {
            if (p.Primary) ScheduleRestart(p.Info.Worker, _availability[p.Info.Worker].NextUp(e.Time));
            return;
        }
        if (_roundOpen && p.Info.ModelVersion == _round)
        {
            _roundExpected--;
            if (_roundInputs.Count >= NeededReplies() && (_roundInputs.Count > 0 || _roundExpected == 0)) CloseRound();
        }
    }

    private void OnComputeDone(ScheduledEvent<SimEvent> e)
    {
        var p = _messages[(int)e.Payload.MessageId];
        foreach (var o in _observers) o.ComputeCompleted(e.Time, e.Sequence, p.Info);
        _sim.ScheduleAfter(p.NetworkDelay, new SimEvent(EventKind.Arrival, p.Info.Id, p.Info.ModelVersion), (int)EventKind.Arrival);
        if (_setup.Protocol.Kind == ProtocolKind.Async && p.Primary) StartIteration(_workers[p.Info.Worker]);
    }

    private void OnArrival(ScheduledEvent<SimEvent> e)
    {
        var p = _messages[(int)e.Payload.MessageId];
        long serverVersion = _setup.Protocol.Kind == ProtocolKind.Sync ? _round : _step;
        foreach (var o in _observers) o.Arrived(e.Time, e.Sequence, p.Info, p.Payload, serverVersion);
        if (_finished)
        {
            Resolve(p, MessageFate.Dropped, double.NaN, "run ended");
            return;
        }
        if (_setup.Protocol.Kind == ProtocolKind.Async)
        {
            OnAsyncArrival(p);
            return;
        }
        p.Info.Staleness = _round - p.Info.ModelVersion;
        if (!_roundOpen || p.Info.ModelVersion != _round)
        {
            Resolve(p, MessageFate.Dropped, double.NaN, "late: its round had closed");
            return;
        }
        RecordStaleness(0);
        _roundInputs.Add(p);
        if (_roundInputs.Count >= NeededReplies()) CloseRound();
    }

    /// <summary>Fills the Byzantine messages among <paramref name="sent"/> with the attack's rows.</summary>
    private void CraftByzantine(List<Pending> sent, double gamma)
    {
        if (_attack is null) return; // Byzantine workers send their own (possibly poisoned-data) gradient
        var byz = sent.Where(p => p.Info.Byzantine).ToList();
        if (byz.Count == 0) return;
        GradientBatch honest;
        if (_setup.Protocol.Kind == ProtocolKind.Sync)
        {
            var rows = sent.Where(p => !p.Info.Byzantine).Select(p => p.Payload!).ToList();
            honest = rows.Count > 0 ? GradientBatch.FromRows(rows) : GradientBatch.FromRows(byz.Select(p => p.Payload!).ToList());
        }
        else
        {
            var rows = _workers.Where(w => !w.Byzantine && w.Latest is not null).Select(w => w.Latest!).ToList();
            honest = rows.Count > 0 ? GradientBatch.FromRows(rows) : GradientBatch.FromRows(byz.Select(p => p.Payload!).ToList());
        }
        var own = GradientBatch.FromRows(byz.Select(p => p.Payload!).ToList());
        var output = new float[byz.Count * _d];
        var ctx = new AttackContext
        {
            Round = _setup.Protocol.Kind == ProtocolKind.Sync ? _round : _step,
            Model = _x.ToArray(),
            Dimension = _d,
            Honest = honest,
            OwnGradients = own,
            ByzantineCount = byz.Count,
            TotalByzantine = _setup.ByzantineCount,
            WorkerCount = _setup.WorkerCount,
            Aggregator = _ruleAsAttackerSeesIt,
            AggregationContext = new AggregationContext { Model = _x.ToArray(), LearningRate = gamma, Round = _setup.Protocol.Kind == ProtocolKind.Sync ? _round : _step },
            LearningRate = gamma,
            Asynchronous = _setup.Protocol.Kind == ProtocolKind.Async,
            Rng = _attackRng,
        };
        _attack.Craft(ctx, output);
        for (int k = 0; k < byz.Count; k++)
        {
            output.AsSpan(k * _d, _d).CopyTo(byz[k].Payload);
        }
    }

    private AggregationContext Context() => new()
    {
        Model = _x,
        LearningRate = _setup.Optimizer.LearningRateAt(_step),
        Round = _setup.Protocol.Kind == ProtocolKind.Sync ? _round : _step,
        Oracle = _validation,
    };

    private void AggregateAndApply(List<Pending> inputs, long round)
    {
        var data = new float[inputs.Count * _d];
        for (int i = 0; i < inputs.Count; i++) inputs[i].Payload.AsSpan().CopyTo(data.AsSpan(i * _d, _d));
        var batch = new GradientBatch(data, inputs.Count, _d);
        _validation.DrawBatch(_validationSampler);
        _rule!.Aggregate(batch, _aggregate, Context(), _diagnostics);
        var infos = inputs.Select(p => p.Info).ToList();
        foreach (var o in _observers) o.Aggregated(_sim.Now, round, infos, _diagnostics);
        for (int i = 0; i < inputs.Count; i++)
        {
            double score = _diagnostics.HasScores ? _diagnostics.Scores[i] : double.NaN;
            bool used = !_diagnostics.HasSelection || _diagnostics.Selected[i];
            Resolve(inputs[i], used ? MessageFate.Applied : MessageFate.Rejected, score, used ? null : "not selected by " + _rule.Spec);
        }
        inputs.Clear();
        ApplyUpdate(_aggregate);
    }

    private void ApplyUpdate(ReadOnlySpan<float> update)
    {
        var opt = _setup.Optimizer;
        float gamma = (float)opt.LearningRateAt(_step);
        float lambda = (float)opt.WeightDecay, mu = (float)opt.Momentum;
        for (int j = 0; j < _d; j++)
        {
            float u = update[j] + lambda * _x[j];
            if (mu != 0)
            {
                _serverMomentum[j] = mu * _serverMomentum[j] + u;
                u = _serverMomentum[j];
            }
            _x[j] -= gamma * u;
        }
        if (_history.Length > 0) _x.CopyTo(_history[(int)((_step + 1) % _history.Length)]);
        AdvanceStep(applied: true);
    }

    private void AdvanceStep(bool applied)
    {
        _step++;
        if (applied)
        {
            foreach (var o in _observers) o.ModelUpdated(_sim.Now, _step, _x);
        }
        if (_setup.Evaluation.Every > 0 && _step % _setup.Evaluation.Every == 0) Evaluate();
        if (_setup.Budget.Steps > 0 && _step >= _setup.Budget.Steps) _finished = true;
    }

    private void Resolve(Pending p, MessageFate fate, double score, string? reason)
    {
        if (p.Info.Fate != MessageFate.Pending) throw new InvalidOperationException($"message {p.Info.Id} resolved twice");
        p.Info.Fate = fate;
        p.Info.Score = score;
        p.Info.Reason = reason;
        bool byz = p.Info.Byzantine;
        switch (fate)
        {
            case MessageFate.Applied:
                if (byz) _byzApplied++; else _honestApplied++;
                break;
            case MessageFate.Rejected:
                if (byz) _byzRejected++; else _honestRejected++;
                break;
            default:
                if (byz) _byzDropped++; else _honestDropped++;
                break;
        }
        foreach (var o in _observers) o.Resolved(_sim.Now, p.Info);
        if (p.Payload is not null)
        {
            _payloadPool.Push(p.Payload);
            p.Payload = null;
        }
    }

    private MessageCounts Counts() => new(_honestApplied, _honestRejected, _honestDropped, _byzApplied, _byzRejected, _byzDropped);

    private float[] RentPayload() => _payloadPool.Count > 0 ? _payloadPool.Pop() : new float[_d];

    private void RecordStaleness(long s)
    {
        _staleCount++;
        _staleSum += s;
        _staleMin = Math.Min(_staleMin, s);
        _staleMax = Math.Max(_staleMax, s);
    }

    private void Evaluate()
    {
        // evaluation.trainRows = 0 turns the training-loss estimate off (NaN in the metrics).
        var train = _trainRows.Length > 0 ? _evalModel.Evaluate(_x, _setup.Train, _trainRows) : new Evaluation(double.NaN, double.NaN);
        var val = _evalModel.Evaluate(_x, _setup.Train, _validationRows);
        var test = _evalModel.Evaluate(_x, _setup.Test, _testRows);
        var row = new MetricsRow
        {
            Defence = _defence,
            TimeNs = _sim.Now.Nanoseconds,
            Step = _step,
            LearningRate = _setup.Optimizer.LearningRateAt(_step),
            TrainLoss = train.Loss,
            ValidationLoss = val.Loss,
            ValidationAccuracy = val.Accuracy,
            TestLoss = test.Loss,
            TestAccuracy = test.Accuracy,
            Counts = Counts(),
            StalenessMin = _staleCount > 0 ? _staleMin : double.NaN,
            StalenessMean = _staleCount > 0 ? _staleSum / _staleCount : double.NaN,
            StalenessMax = _staleCount > 0 ? _staleMax : double.NaN,
        };
        _staleCount = 0;
        _staleSum = 0;
        _staleMin = double.PositiveInfinity;
        _staleMax = double.NegativeInfinity;
        _rows.Add(row);
        foreach (var o in _observers) o.Evaluated(_sim.Now, row);
    }

    private static Dataset Poison(Dataset train, IDataAttack attack)
    {
        if (train.Labels is null) throw new SimByzException($"data attack '{attack.Spec}' needs a classification task (the task has no labels)");
        var labels = new int[train.Count];
        for (int i = 0; i < labels.Length; i++) labels[i] = attack.PoisonLabel(train.Labels[i], train.ClassCount);
        return train.WithLabels(labels);
    }

    private static int[] Range(int n)
    {
        var r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }
}

/// <summary>What one defence's run produced.</summary>
/// <param name="Defence">The defence spec.</param>
/// <param name="Rows">Every evaluation point.</param>
/// <param name="Steps">Server steps taken.</param>
/// <param name="EndTime">Simulated time of the last event handled.</param>
/// <param name="Events">Events handled.</param>
/// <param name="Messages">Messages sent.</param>
/// <param name="StopReason">Why the run ended: <c>steps</c>, <c>time</c>, <c>message cap</c>, <c>no pending event</c>, or <c>no worker can send</c>.</param>
public sealed record RunResult(string Defence, IReadOnlyList<MetricsRow> Rows, long Steps, SimTime EndTime, long Events, long Messages, string StopReason)
{
    public MetricsRow Final => Rows[^1];
}
