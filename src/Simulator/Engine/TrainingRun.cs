using SimByz.Aggregation;
using SimByz.Aggregation.Registry;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
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
    }

    private readonly record struct SimEvent(EventKind Kind, long MessageId, long Round);

    private sealed class Pending
    {
        public required MessageInfo Info;
        public float[]? Payload;
        public SimTime NetworkDelay;
    }

    private readonly RunSetup _setup;
    private readonly string _defence;
    private readonly IAggregator? _rule;
    private readonly IAsyncAggregator? _asyncRule;
    private readonly IGradientAttack? _attack;
    private readonly IReadOnlyList<ISimulationObserver> _observers;
    private readonly Simulation<SimEvent> _sim = new(256);
    private readonly Worker[] _workers;
    private readonly ServerValidation _validation;
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
        var buildContext = new AggregatorBuildContext(setup.Seed, setup.ByzantineCount);
        if (setup.Protocol.Kind == ProtocolKind.Async && AggregatorRegistry.AsyncRules.Any(r => r.Name == FirstName(defenceSpec)))
        {
            _asyncRule = AggregatorRegistry.CreateAsync(defenceSpec, buildContext);
        }
        else
        {
            _rule = AggregatorRegistry.Create(defenceSpec, buildContext);
            if (setup.Protocol.Kind == ProtocolKind.Async && setup.Protocol.AsyncBuffer < 1)
            {
                throw new SimByzException($"defence '{defenceSpec}' is a synchronous rule: in an async scenario give protocol.asyncBuffer ≥ 1 (aggregate every m messages) or use an async rule");
            }
        }
        _attack = setup.GradientAttack?.Invoke();
        _attackRng = RandomStreams.Derive(setup.Seed, StreamPurpose.Attack, 0);
        _d = setup.Model.ParameterCount;
        _x = new float[_d];
        _aggregate = new float[_d];
        _serverMomentum = new float[_d];
        setup.Model.Initialize(_x, RandomStreams.Derive(setup.Seed, StreamPurpose.ModelInit, 0));

        Dataset? poisoned = null;
        _workers = new Worker[setup.WorkerCount];
        for (int i = 0; i < _workers.Length; i++)
        {
            Dataset data = setup.Train;
            if (setup.Byzantine[i] && setup.DataAttack is not null)
            {
                poisoned ??= Poison(setup.Train, setup.DataAttack);
                data = poisoned;
            }
            _workers[i] = new Worker(i, setup.Byzantine[i], setup, data);
        }
        _validation = new ServerValidation(setup);
        _evalModel = setup.Model.Clone();
        _trainRows = Range(Math.Min(setup.Evaluation.TrainRows, setup.Train.Count));
        _validationRows = Range(setup.Validation.Count);
        _testRows = Range(setup.Test.Count);
    }

    /// <summary>The defence spec this run uses.</summary>
    public string Defence => _defence;

    /// <summary>The server model (live during the run, final after it).</summary>
    public ReadOnlySpan<float> Parameters => _x;

    /// <summary>Evaluation points so far.</summary>
    public IReadOnlyList<MetricsRow> Rows => _rows;

    /// <summary>Every message sent so far, in sending order.</summary>
    public IEnumerable<MessageInfo> Messages => _messages.Select(m => m.Info);

    /// <summary>Server steps (sync rounds that aggregated, async applied updates) so far.</summary>
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
        long maxMessages = _setup.Budget.MaxMessages > 0 ? _setup.Budget.MaxMessages : Math.Max(1, _setup.Budget.Steps) * _setup.WorkerCount * 50;
        while (!_finished && _sim.TryPeekTime(out var next) && next <= end)
        {
            if (_messagesSent > maxMessages) break;
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
        if (_rows.Count == 0 || _rows[^1].Step != _step) Evaluate();
        return new RunResult(_defence, _rows.ToList(), _step, _sim.Now, _sim.EventsProcessed, _messages.Count);
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
            if (w.Byzantine && _setup.ByzantineOmit) continue;
            if (!w.HasData) continue;
            var p = NewMessage(w, _round);
            w.ComputeMessage(_x, _setup.Optimizer, gamma, p.Payload!);
            sent.Add(p);
        }
        CraftByzantine(sent, gamma);
        foreach (var p in sent) Dispatch(p);
        _roundExpected = sent.Count;
        if (_setup.Protocol.Wait == SyncWait.Deadline)
        {
            _sim.ScheduleAfter(_setup.Protocol.Deadline, new SimEvent(EventKind.Deadline, -1, _round), (int)EventKind.Deadline);
        }
        if (_roundExpected == 0) _finished = true; // nobody can send: the run cannot progress
    }

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
        if (_finished) return;
        if (w.Byzantine && _setup.ByzantineOmit) return;
        if (!w.HasData) return;
        double gamma = _setup.Optimizer.LearningRateAt(_step);
        var p = NewMessage(w, _step);
        w.ComputeMessage(_x, _setup.Optimizer, gamma, p.Payload!);
        if (w.Byzantine) CraftByzantine([p], gamma);
        Dispatch(p);
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
            _validation.NextBatch();
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

    private void Dispatch(Pending p)
    {
        var w = _workers[p.Info.Worker];
        SimTime compute = w.SampleCompute();
        SimTime network = w.SampleNetwork();
        p.NetworkDelay = network;
        p.Info.ComputeDone = _sim.Now + compute;
        p.Info.Arrival = _sim.Now + compute + network;
        foreach (var o in _observers) o.Dispatched(_sim.Now, _currentSequence, p.Info);
        _sim.ScheduleAfter(compute, new SimEvent(EventKind.ComputeDone, p.Info.Id, p.Info.ModelVersion), (int)EventKind.ComputeDone);
    }

    private void OnComputeDone(ScheduledEvent<SimEvent> e)
    {
        var p = _messages[(int)e.Payload.MessageId];
        foreach (var o in _observers) o.ComputeCompleted(e.Time, e.Sequence, p.Info);
        _sim.ScheduleAfter(p.NetworkDelay, new SimEvent(EventKind.Arrival, p.Info.Id, p.Info.ModelVersion), (int)EventKind.Arrival);
        if (_setup.Protocol.Kind == ProtocolKind.Async) StartIteration(_workers[p.Info.Worker]);
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
        int needed = _setup.Protocol.Wait == SyncWait.FirstK ? Math.Min(_setup.Protocol.K, _roundExpected) : _roundExpected;
        if (_roundInputs.Count >= needed) CloseRound();
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
            WorkerCount = _setup.WorkerCount,
            Aggregator = _rule,
            AggregationContext = new AggregationContext { Model = _x.ToArray(), LearningRate = gamma, Round = _round },
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
        _validation.NextBatch();
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
        var train = _evalModel.Evaluate(_x, _setup.Train, _trainRows);
        var val = _evalModel.Evaluate(_x, _setup.Validation, _validationRows);
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
            HonestApplied = _honestApplied,
            HonestRejected = _honestRejected,
            HonestDropped = _honestDropped,
            ByzantineApplied = _byzApplied,
            ByzantineRejected = _byzRejected,
            ByzantineDropped = _byzDropped,
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

    private static string FirstName(string spec)
    {
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        return (colon < 0 ? spec : spec[..colon]).Trim();
    }
}

/// <summary>What one defence's run produced.</summary>
public sealed record RunResult(string Defence, IReadOnlyList<MetricsRow> Rows, long Steps, SimTime EndTime, long Events, long Messages)
{
    public MetricsRow Final => Rows[^1];
}
