using System.Numerics;
using SimByz.Aggregation;
using SimByz.Aggregation.Rules;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Sampling;
using SimByz.Simulator.Tasks;
using SimByz.Simulator.Tasks.Models;

namespace SimByz.Simulator.Engine;

/// <summary>
/// The parameter server of one run: the model x, its version (the step count), the defence, and the
/// update x ← x − γ_t·(u + λx) (with heavy-ball server momentum when configured), and the
/// evaluation points of metrics.csv.
/// </summary>
/// <remarks>
/// <para>Aggregation resolves the messages it was given: applied when the rule used them, rejected
/// otherwise (with the rule's score). The validation oracle draws a fresh batch before every
/// aggregation or per-message decision whether or not the rule uses it, so the validation stream's
/// position depends on how many decisions were made, not on which rule made them.</para>
/// <para>When Byzantine workers may read old models (an async timing behaviour), the server keeps the
/// last <c>historyDepth</c> versions of x.</para>
/// <para>Not thread-safe (one run's thread).</para>
/// </remarks>
internal sealed class ParameterServer
{
    private readonly string _defence;
    private readonly IAggregator? _rule;
    private readonly IAsyncAggregator? _asyncRule;
    private readonly RunSetup _setup;
    private readonly MessageLedger _ledger;
    private readonly Simulation<EngineEvent> _sim;
    private readonly IReadOnlyList<ISimulationObserver> _observers;
    private readonly ModelValidationOracle _validation;
    private readonly MinibatchSampler? _validationSampler;
    private readonly IModel _evalModel;
    private readonly int[] _trainRows, _validationRows, _testRows;
    private readonly float[] _x, _aggregate, _serverMomentum;
    private readonly float[][] _history;
    private readonly AggregationDiagnostics _diagnostics = new();
    private readonly MetricsRowSample _rows;
    private readonly List<(SentMessage Message, double Score)> _held = [];
    private readonly int _d;
    private readonly List<MessageInfo> _infos = [];
    private readonly AggregationContext _context = new();
    private AlignedFloats _batchData; // rows start on a 64-byte boundary (speed only, AlignedFloats)
    private GradientBatch?[] _batchViews = [];
    private string? _notSelected;
    private readonly EvaluationJob? _evaluationJob;
    private long _step;
    // Federated: Byzantine clients per round (async: among the active ones at each slot filling) since the last evaluation point.
    private long _roundsNoted;
    private double _byzSum, _byzMin = double.PositiveInfinity, _byzMax = double.NegativeInfinity;

    /// <param name="setup">The run's task, optimizer, evaluation and budget settings.</param>
    /// <param name="defence">The defence spec, written in every metrics row.</param>
    /// <param name="rule">The synchronous rule (sync rounds, async buffers), or null.</param>
    /// <param name="asyncRule">The per-message async rule, or null.</param>
    /// <param name="prototype">The run's model prototype: the validation and evaluation models are cloned from it, in that order.</param>
    /// <param name="historyDepth">How many past versions of x to keep (0: none).</param>
    /// <param name="ledger">Where messages are resolved and counted.</param>
    /// <param name="sim">The run's queue, read for the current time only.</param>
    /// <param name="observers">Told of aggregations, model updates and evaluation points.</param>
    /// <param name="keptRows">How many evaluation points <see cref="Rows"/> keeps (see <see cref="MetricsRowSample"/>).</param>
    public ParameterServer(RunSetup setup, string defence, IAggregator? rule, IAsyncAggregator? asyncRule, IModel prototype, int historyDepth,
        MessageLedger ledger, Simulation<EngineEvent> sim, IReadOnlyList<ISimulationObserver> observers, int keptRows = int.MaxValue)
    {
        _rows = new MetricsRowSample(keptRows);
        _setup = setup;
        _defence = defence;
        _rule = rule;
        _asyncRule = asyncRule;
        _ledger = ledger;
        _sim = sim;
        _observers = observers;
        _d = setup.Model.ParameterCount;
        _x = new float[_d];
        _aggregate = new float[_d];
        _serverMomentum = new float[_d];
        setup.Model.Initialize(_x, RandomStreams.Derive(setup.Seed, StreamPurpose.ModelInit, 0));
        _history = new float[historyDepth == 0 ? 0 : historyDepth + 1][];
        for (int k = 0; k < _history.Length; k++) _history[k] = new float[_d];
        if (_history.Length > 0) _x.CopyTo(_history[0]);
        _validation = new ModelValidationOracle(prototype.Clone(), setup.Train);
        // Without a validation set (task.validation 0) nothing is drawn and rules get no oracle.
        _validationSampler = setup.ValidationRows.Length == 0 ? null : MinibatchSampler.ForServerValidation(setup.Seed, setup.ValidationRows, setup.ValidationBatchSize);
        _evalModel = prototype.Clone();
        if (prototype is IRowwiseEvaluation) _evaluationJob = new EvaluationJob(this, prototype);
        _trainRows = Range(Math.Min(setup.Evaluation.TrainRows, setup.Train.Count));
        _validationRows = setup.ValidationRows;
        _testRows = Range(setup.Test.Count);
    }

    /// <summary>The model x (live).</summary>
    public ReadOnlySpan<float> Parameters => _x;

    /// <summary>The model x (live), as memory: what the attack's context reads in place.</summary>
    public ReadOnlyMemory<float> ParametersMemory => _x;

    /// <summary>Number of parameters d.</summary>
    public int Dimension => _d;

    /// <summary>Server steps so far: the model's version.</summary>
    public long Step => _step;

    /// <summary>γ at the current step.</summary>
    public double LearningRate => _setup.Optimizer.LearningRateAt(_step);

    /// <summary>Whether the defence decides message by message (an async rule) rather than aggregating a batch.</summary>
    public bool DecidesPerMessage => _asyncRule is not null;

    /// <summary>Aggregations whose rule read the payload rows in place (see <see cref="AggregateAndApply"/>).</summary>
    public long InPlaceAggregations { get; private set; }

    /// <summary>True once the step budget is spent.</summary>
    public bool BudgetReached { get; private set; }

    /// <summary>Evaluation points so far (all, or a bounded sample ending with the last).</summary>
    public IReadOnlyList<MetricsRow> Rows => _rows.ToList();

    /// <summary>The oldest version <see cref="ModelAt"/> still holds.</summary>
    public long OldestKeptVersion => Math.Max(0, _step - Math.Max(0, _history.Length - 1));

    /// <summary>The model at <paramref name="version"/> (between <see cref="OldestKeptVersion"/> and <see cref="Step"/>).</summary>
    public ReadOnlySpan<float> ModelAt(long version)
        => version == _step || _history.Length == 0 ? _x : _history[(int)(version % _history.Length)];

    /// <summary>Aggregates <paramref name="inputs"/> (in their order) with the synchronous rule, resolves
    /// each as applied or rejected, empties the list and applies the update.</summary>
    /// <remarks>When the inputs are rows 0, 1, … of one <see cref="PayloadSlab"/> in that order (a synchronous round whose
    /// replies arrived in sending order), the rule reads them in place; otherwise they are copied, in input order, into
    /// the server's reused batch. The rule sees the same rows in the same order either way.</remarks>
    /// <param name="inputs">The messages to aggregate.</param>
    /// <param name="round">The round (sync) or server version (async buffer) the aggregation is reported under.</param>
    public void AggregateAndApply(List<SentMessage> inputs, long round)
    {
        var batch = InPlace(inputs);
        if (batch is null) batch = Copied(inputs);
        else InPlaceAggregations++;
        if (_validationSampler is not null) _validation.DrawBatch(_validationSampler);
        _rule!.Aggregate(batch, _aggregate, Context(round), _diagnostics);
        if (_observers.Count > 0)
        {
            _infos.Clear();
            foreach (var p in inputs) _infos.Add(p.Info);
            foreach (var o in _observers) o.Aggregated(_sim.Now, round, _infos, _diagnostics);
        }
        for (int i = 0; i < inputs.Count; i++)
        {
            double score = _diagnostics.HasScores ? _diagnostics.Scores[i] : double.NaN;
            bool used = !_diagnostics.HasSelection || _diagnostics.Selected[i];
            _ledger.Resolve(inputs[i], used ? MessageFate.Applied : MessageFate.Rejected, score, used ? null : _notSelected ??= "not selected by " + _rule.Spec);
        }
        inputs.Clear();
        ApplyUpdate(_aggregate);
    }

    /// <summary>The batch view of <paramref name="inputs"/> when they are rows 0 … n−1 of one slab in that order; else null.</summary>
    private static GradientBatch? InPlace(List<SentMessage> inputs)
    {
        if (inputs[0].Slab is not { } slab) return null;
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Slab != slab || inputs[i].SlabRow != i) return null;
        }
        return slab.View(0, inputs.Count);
    }

    /// <summary>The server's reused batch holding copies of <paramref name="inputs"/>' payloads, in input order.</summary>
    private GradientBatch Copied(List<SentMessage> inputs)
    {
        var batch = Batch(inputs.Count);
        var data = _batchData.Span;
        for (int i = 0; i < inputs.Count; i++) inputs[i].Payload.Span.CopyTo(data.Slice(i * _d, _d));
        return batch;
    }

    /// <summary>The reused aggregation batch of <paramref name="count"/> rows (one view per row count over one buffer).</summary>
    private GradientBatch Batch(int count)
    {
        if (_batchData.Length < count * _d)
        {
            _batchData = AlignedFloats.Allocate(count * _d);
            Array.Clear(_batchViews);
        }
        if (_batchViews.Length <= count) Array.Resize(ref _batchViews, count + 1);
        return _batchViews[count] ??= new GradientBatch(_batchData.Memory[..(count * _d)], count, _d);
    }

    /// <summary>Lets the async rule decide on <paramref name="message"/>: applied (and the update made),
    /// rejected, or held by a buffering rule; an applied decision also applies every held message
    /// (resolved first, in arrival order). Held messages still pending when the run ends are dropped
    /// with the other pending messages.</summary>
    public void DecideAndApply(SentMessage message, long staleness, long round)
    {
        if (_validationSampler is not null) _validation.DrawBatch(_validationSampler);
        var ctx = Context(round);
        var info = message.Info;
        var decision = _asyncRule!.Decide(new AsyncMessage(info.Worker, info.ModelVersion, staleness, message.Payload), ctx, _aggregate);
        if (decision.Held)
        {
            _held.Add((message, decision.Score));
        }
        else if (decision.Accepted)
        {
            foreach (var (held, score) in _held) _ledger.Resolve(held, MessageFate.Applied, score, null);
            _held.Clear();
            _ledger.Resolve(message, MessageFate.Applied, decision.Score, decision.Reason);
            ApplyUpdate(_aggregate);
        }
        else
        {
            _ledger.Resolve(message, MessageFate.Rejected, decision.Score, decision.Reason);
        }
    }

    /// <summary>Federated: a round (async: a slot filling) <paramref name="round"/> has <paramref name="clients"/> clients
    /// of which <paramref name="byzantine"/> are Byzantine; counted for the next evaluation point and told to the observers.</summary>
    public void NoteClients(long round, int clients, int byzantine)
    {
        _roundsNoted++;
        _byzSum += byzantine;
        _byzMin = Math.Min(_byzMin, byzantine);
        _byzMax = Math.Max(_byzMax, byzantine);
        foreach (var o in _observers) o.ClientsSampled(_sim.Now, round, clients, byzantine);
    }

    /// <summary>Counts a step that leaves the model unchanged (a sync round closed with no reply).</summary>
    public void SkipStep() => AdvanceStep(applied: false);

    /// <summary>Adds an evaluation point: losses and accuracies of x, the message counters, the staleness since the last point.</summary>
    public void Evaluate()
    {
        // evaluation.trainRows = 0 turns the training-loss estimate off (NaN in the metrics).
        var train = _trainRows.Length > 0 ? EvaluateRows(_setup.Train, _trainRows) : new Evaluation(double.NaN, double.NaN);
        var val = _validationRows.Length > 0 ? EvaluateRows(_setup.Train, _validationRows) : new Evaluation(double.NaN, double.NaN);
        var test = EvaluateRows(_setup.Test, _testRows);
        var (staleMin, staleMean, staleMax) = _ledger.TakeStaleness();
        bool federated = _setup.Federation is not null;
        var (byzMin, byzMean, byzMax) = _roundsNoted > 0 ? (_byzMin, _byzSum / _roundsNoted, _byzMax) : (double.NaN, double.NaN, double.NaN);
        _roundsNoted = 0;
        _byzSum = 0;
        _byzMin = double.PositiveInfinity;
        _byzMax = double.NegativeInfinity;
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
            Counts = _ledger.Counts,
            StalenessMin = staleMin,
            StalenessMean = staleMean,
            StalenessMax = staleMax,
            Federated = federated,
            ByzantineInRoundMin = federated ? byzMin : double.NaN,
            ByzantineInRoundMean = federated ? byzMean : double.NaN,
            ByzantineInRoundMax = federated ? byzMax : double.NaN,
        };
        _rows.Add(row);
        foreach (var o in _observers) o.Evaluated(_sim.Now, row);
    }

    /// <summary>The run's last point: when the model has not changed since the last evaluation, only that
    /// point's counters are brought up to date (messages dropped at the end count too); else a new point.</summary>
    public void EvaluateFinal()
    {
        if (_rows.Last is { } last && last.Step == _step)
        {
            var updated = last with { Counts = _ledger.Counts };
            if (updated != last)
            {
                _rows.ReplaceLast(updated);
                // Observers (traces) see the final row as it ends up in metrics.csv.
                foreach (var o in _observers) o.Evaluated(_sim.Now, updated);
            }
        }
        else
        {
            Evaluate();
        }
    }

    /// <summary>
    /// The evaluation model's <see cref="IModel.Evaluate"/> of x on <paramref name="rows"/>. For a model whose Evaluate
    /// adds each row's result in row order and divides by the count (<see cref="IRowwiseEvaluation"/>: the managed MLP
    /// and softmax models), the rows are evaluated in <see cref="EvaluationChunks"/> fixed chunks on the worker pool
    /// (each chunk with its own clone), and the per-row losses then added here in row order: the same bits as the
    /// one-call evaluation, whatever the thread count.
    /// </summary>
    private Evaluation EvaluateRows(Dataset data, int[] rows)
    {
        if (_evaluationJob is null || rows.Length < 2 * EvaluationChunks) return _evalModel.Evaluate(_x, data, rows);
        var job = _evaluationJob;
        job.Prepare(data, rows);
        ChunkRunner.Run(job, EvaluationChunks);
        double loss = 0;
        int correct = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            loss += job.Loss[i];
            if (job.Hit[i]) correct++;
        }
        return new(loss / rows.Length, (double)correct / rows.Length);
    }

    /// <summary>How many chunks an evaluation is cut into (fixed: never the thread count).</summary>
    private const int EvaluationChunks = 8;

    /// <summary>Evaluates chunk c's rows, each row's result apart, with the chunk's own model clone.</summary>
    private sealed class EvaluationJob(ParameterServer server, IModel prototype) : IChunkJob
    {
        private readonly IModel[] _models = Enumerable.Range(0, EvaluationChunks).Select(_ => prototype.Clone()).ToArray();
        private Dataset _data = null!;
        private int[] _rows = [];

        public double[] Loss { get; private set; } = [];

        public bool[] Hit { get; private set; } = [];

        public void Prepare(Dataset data, int[] rows)
        {
            _data = data;
            _rows = rows;
            if (Loss.Length < rows.Length)
            {
                Loss = new double[rows.Length];
                Hit = new bool[rows.Length];
            }
        }

        public void RunChunk(int chunk)
        {
            int n = _rows.Length, from = (int)((long)n * chunk / EvaluationChunks), to = (int)((long)n * (chunk + 1) / EvaluationChunks);
            var model = (IRowwiseEvaluation)_models[chunk];
            model.EvaluateEach(server._x, _data, _rows.AsSpan(from, to - from), Loss.AsSpan(from, to - from), Hit.AsSpan(from, to - from));
        }
    }

    /// <summary>The context of this aggregation or decision: one instance refilled each time (rules keep no reference).</summary>
    private AggregationContext Context(long round)
        => _context.Refill(_x, _setup.Optimizer.LearningRateAt(_step), round, _validationSampler is null ? null : _validation);

    /// <summary>x ← x − γ_t·u with u = update + λx (and, with server momentum μ, m ← μm + u, u = m).</summary>
    /// <remarks>Element-wise, with the operations of each element in the same order as the scalar form (a product
    /// then a sum, each rounded to float32; no fused multiply-add): the vector loop gives each element the same bits
    /// at any vector width, and the scalar tail finishes the last elements.</remarks>
    private void ApplyUpdate(ReadOnlySpan<float> update)
    {
        var opt = _setup.Optimizer;
        float gamma = (float)opt.LearningRateAt(_step);
        float lambda = (float)opt.WeightDecay, mu = (float)opt.Momentum;
        var x = _x.AsSpan(0, _d);
        var m = _serverMomentum.AsSpan(0, _d);
        update = update[.._d];
        int j = 0;
        if (Vector.IsHardwareAccelerated && _d >= Vector<float>.Count)
        {
            var g = new Vector<float>(gamma);
            var l = new Vector<float>(lambda);
            var mv = new Vector<float>(mu);
            int last = _d - Vector<float>.Count;
            for (; j <= last; j += Vector<float>.Count)
            {
                var xj = new Vector<float>(x[j..]);
                var u = new Vector<float>(update[j..]) + l * xj;
                if (mu != 0)
                {
                    u = mv * new Vector<float>(m[j..]) + u;
                    u.CopyTo(m[j..]);
                }
                (xj - g * u).CopyTo(x[j..]);
            }
        }
        for (; j < _d; j++)
        {
            float u = update[j] + lambda * x[j];
            if (mu != 0)
            {
                m[j] = mu * m[j] + u;
                u = m[j];
            }
            x[j] -= gamma * u;
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
        if (_setup.Budget.Steps > 0 && _step >= _setup.Budget.Steps) BudgetReached = true;
    }

    private static int[] Range(int n)
    {
        var r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }
}
