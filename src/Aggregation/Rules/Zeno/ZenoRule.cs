using System.Globalization;
using System.Numerics.Tensors;
using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Zeno (Xie, Koyejo, Gupta, "Zeno: Distributed Stochastic Gradient Descent with Suspicion-based
/// Fault-tolerance", ICML 2019): scores every candidate by the descent it brings to the server's
/// validation loss, drops the b lowest and averages the remaining n − b.
/// </summary>
/// <remarks>
/// <para>Score (the paper's "stochastic descendant score"):
/// Score(u, x) = f_r(x) − f_r(x − γu) − ρ·P(u), with f_r the loss of the server's current
/// validation batch (<see cref="AggregationContext.Oracle"/>), x the server's model
/// (<see cref="AggregationContext.Model"/>) and γ its learning rate
/// (<see cref="AggregationContext.LearningRate"/>). P(u) = ‖u‖² (<c>penalty=sum</c>, the paper, default)
/// or mean_j uⱼ² (<c>penalty=mean</c>, the reference code xcgoner/icml2019_zeno). In the reference
/// code γ = lr/batch size (Gluon sums per-sample gradients) and ρ = γ/rho_ratio; here γ is whatever
/// step the server applies and ρ is given directly. The trial point x − γu is formed in float32
/// (u times (float)γ rounded, then subtracted from x), P in float64 with <see cref="DetVec"/>.</para>
/// <para>Selection: candidates ordered by score, highest first, ties broken by the lower input
/// index ranking higher; the first n − b are kept and averaged with the arithmetic of <c>mean</c>
/// (float64 sums in index order, divided by the count, rounded once to float32), so n identical rows
/// give that row back exactly and <c>zeno:b=0</c> on finite input equals <c>mean</c> bit for bit.</para>
/// <para>Tolerance: any 0 ≤ b &lt; n; the guarantee (bounded-score lemma) needs b ≥ q.</para>
/// <para>Non-finite input: a row with NaN or ±∞ in any coordinate scores −∞ and so is dropped
/// first; a NaN score (the oracle's loss overflowed) also counts as −∞. Non-finite rows are never
/// averaged: when there are more of them than b, the mean is taken over the finite rows among the
/// n − b kept (the paper would return a non-finite vector there), and the output is 0 when no
/// finite row is kept.</para>
/// <para>Errors: without an oracle or a model (e.g. <c>simbyz aggregate</c>, which has no validation
/// data) it throws <see cref="SimByzException"/>. Allocation: none per call after warm-up besides
/// what the oracle allocates. Deterministic: the result depends only on the inputs and the oracle.</para>
/// </remarks>
internal sealed class ZenoRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "zeno", "Zeno: score each input by the validation-loss descent f_r(x) − f_r(x − γu) − ρP(u); drop the b lowest, average the rest",
        "Xie, Koyejo, Gupta, ICML 2019 (penalty=sum); reference code xcgoner/icml2019_zeno (penalty=mean)",
        "any b < n (tolerates q ≤ b); needs the server's validation oracle",
        [
            new("b", "int ≥ 0", "scenario's q (required if unknown)", "number of lowest-scored inputs dropped"),
            new("rho", "number ≥ 0", "0.0005", "weight ρ of the size penalty"),
            new("penalty", "sum|mean", "sum", "sum: ρ‖u‖² (paper); mean: ρ·mean(u²) (reference code)"),
        ]);

    private readonly ZenoOptions _options;
    private float[] _trial = [];
    private double[] _scores = [];
    private int[] _order = [];
    private bool[] _averaged = [];
    private readonly RowCombination _combination = new();

    public ZenoRule(ZenoOptions options) => _options = options;

    public static IAggregator Create(SpecParameters p, AggregatorBuildContext context)
    {
        int b = context.DeclaredByzantine >= 0 ? p.GetInt("b", context.DeclaredByzantine, min: 0) : p.RequireInt("b", min: 0);
        double rho = p.GetDouble("rho", ZenoOptions.DefaultRho, min: 0);
        var penalty = p.GetChoice("penalty", "sum", "sum", "mean") == "sum" ? ZenoPenalty.Sum : ZenoPenalty.Mean;
        return new ZenoRule(new ZenoOptions(b, rho, penalty));
    }

    public string Spec => _options.ToSpec();

    public bool UsesValidation => true;

    /// <summary>Throws <see cref="SimByzException"/> unless b &lt; n: Zeno keeps the n − b best-scored inputs.</summary>
    public void CheckTolerance(int n)
    {
        int b = _options.Dropped;
        if (b >= n) throw new SimByzException($"zeno:b={b} needs b < n, but only n = {n} inputs were given");
    }

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, "zeno");
        int n = input.Count, d = input.Dimension, b = _options.Dropped;
        var oracle = RequireOracle(context, d, "zeno");
        CheckTolerance(n);
        double gamma = RequireLearningRate(context, "zeno");
        EnsureCapacity(n, d);

        ReadOnlySpan<float> model = context.Model.Span;
        Span<float> trial = _trial.AsSpan(0, d);
        Span<double> scores = _scores.AsSpan(0, n);
        double baseLoss = oracle.Loss(model);
        int nonFinite = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> u = input.Row(i);
            double squares = DetVec.SquaredNorm(u);
            // A finite sum of squares proves the row finite; otherwise the row is NaN/±∞ or its squares overflowed float32.
            if (!double.IsFinite(squares) && !Guard.IsFinite(u))
            {
                scores[i] = double.NegativeInfinity;
                nonFinite++;
                continue;
            }
            // Two element-wise passes (no multiply-add helper: whether those fuse is not guaranteed).
            TensorPrimitives.Multiply(u, (float)gamma, trial);
            TensorPrimitives.Subtract(model, trial, trial);
            double penalty = _options.Penalty == ZenoPenalty.Sum ? squares : squares / d;
            double score = baseLoss - oracle.Loss(trial) - _options.Rho * penalty;
            scores[i] = double.IsNaN(score) ? double.NegativeInfinity : score;
        }

        Span<int> order = _order.AsSpan(0, n);
        RankBestFirst(scores, order);

        if (diagnostics is not null)
        {
            diagnostics.Reset(n);
            scores.CopyTo(diagnostics.Scores);
            diagnostics.HasScores = true;
            diagnostics.HasSelection = true;
            diagnostics.HasWeights = true;
            diagnostics.NonFiniteRows = nonFinite;
        }

        // Keep order[0..n−b); average the finite ones among them.
        Span<bool> averaged = _averaged.AsSpan(0, n);
        averaged.Clear();
        int count = 0;
        foreach (int i in order[..(n - b)])
        {
            if (double.IsNegativeInfinity(scores[i]) && !Guard.IsFinite(input.Row(i))) continue;
            averaged[i] = true;
            count++;
        }
        if (count > 0) _combination.MeanOf(input, averaged, output);
        else output.Clear();
        if (diagnostics is not null)
        {
            averaged.CopyTo(diagnostics.Selected);
            for (int i = 0; i < n; i++) diagnostics.Weights[i] = averaged[i] ? 1.0 / count : 0.0;
        }
    }

    private void EnsureCapacity(int n, int d)
    {
        if (_trial.Length < d) _trial = new float[d];
        if (_scores.Length < n)
        {
            _scores = new double[n];
            _order = new int[n];
            _averaged = new bool[n];
        }
    }

    /// <summary>The context's oracle, checked against d, or a <see cref="SimByzException"/> naming <paramref name="rule"/>.</summary>
    internal static IValidationOracle RequireOracle(AggregationContext context, int d, string rule)
    {
        if (context.Oracle is null || context.Model.IsEmpty)
        {
            throw new SimByzException(
                $"{rule} needs the server's validation data (a validation oracle and the current model), and none is available here; " +
                $"{rule} can only run inside a simulation whose server holds validation data");
        }
        if (context.Model.Length != d || context.Oracle.Dimension != d)
        {
            throw new SimByzException(
                $"{rule}: the inputs have d = {d} but the model has {context.Model.Length} parameters and the validation oracle {context.Oracle.Dimension}");
        }
        return context.Oracle;
    }

    /// <summary>The context's learning rate γ, which must be finite and positive.</summary>
    internal static double RequireLearningRate(AggregationContext context, string rule)
    {
        double gamma = context.LearningRate;
        if (!double.IsFinite(gamma) || gamma <= 0)
        {
            throw new SimByzException($"{rule} needs the server's learning rate γ > 0 to score its inputs (got {gamma.ToString(CultureInfo.InvariantCulture)})");
        }
        return gamma;
    }

    /// <summary>
    /// Fills <paramref name="order"/> with 0..n−1 ordered by score, highest first, equal scores by
    /// lower index first. Insertion sort: n is small (workers), it is stable, and unlike
    /// <c>Span.Sort</c> with a comparer it allocates nothing.
    /// </summary>
    private static void RankBestFirst(ReadOnlySpan<double> scores, Span<int> order)
    {
        for (int i = 0; i < order.Length; i++)
        {
            int j = i;
            // Strictly-better moves up; ties keep index order because i arrives after its equals.
            while (j > 0 && scores[order[j - 1]] < scores[i])
            {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
    }
}
