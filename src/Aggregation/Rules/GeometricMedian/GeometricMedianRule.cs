using SimByz.Specs;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Geometric median (Chen, Su, Xu 2017; RFA, Pillutla, Kakade, Harchaoui 2022) approximated by the
/// smoothed Weiszfeld iteration z ← Σ βᵢvᵢ / Σ βᵢ with βᵢ = 1 / max(ν, ‖vᵢ − z‖).
/// </summary>
/// <remarks>
/// <para>Variants (<c>variant=</c>):
/// <c>byzfl</c> (default; LPD-EPFL/byzfl <c>GeometricMedian</c>): start at z = 0 and run exactly
/// <c>iters</c> = T iterations (default T = 3);
/// <c>fedlib</c>: start at the mean of the finite rows and iterate until the relative change
/// ‖z_{t+1} − z_t‖ / ‖z_t‖ &lt; <c>eps</c> (default 1e-6; absolute change when ‖z_t‖ = 0) or
/// <c>iters</c> iterations (default 100). ν (<c>nu</c>) defaults to 0.1 in both.</para>
/// <para>How it is computed. <c>byzfl</c> (since 2026-12-01, session 15; before, as <c>fedlib</c> below): directly, as
/// ByzFL evaluates it — the squared norms (distances to z₀ = 0) in one pass, then per iteration one pass that forms
/// the iterate z_t = Σ βᵢvᵢ / Σ βᵢ in float64 rounded to float32 (<see cref="RowCombination"/>'s arithmetic) and
/// every row's squared distance to that float32 point in the documented order (<see cref="PointDistances"/>'),
/// <see cref="CombinationDistances"/>; the output is the last combination. Cost: T + 1 passes over the data (one
/// more for the diagnostics' scores). <c>fedlib</c>: every iterate after the first is a convex combination
/// z = Σ wₖvₖ of the inputs, so the iteration runs on the weights alone, using the pairwise squared distances Dᵢₖ
/// (one blocked pass, <see cref="PairwiseDistances"/>): ‖vᵢ − z‖² = Σₖ wₖDᵢₖ − ½ Σₖₗ wₖwₗDₖₗ (clamped at
/// 0), ‖z_{t+1} − z_t‖² = −½ Σₖₗ δₖδₗDₖₗ with δ = w' − w, and ‖z‖² = Σₖ wₖ‖vₖ‖² − ½ Σₖₗ wₖwₗDₖₗ. The
/// output Σ βᵢvᵢ / Σ βᵢ is then formed once in float64 (<see cref="RowCombination"/>). Cost: two passes
/// over the data whatever the number of iterations (up to 100 by default). In both the iterates are those of the
/// formula; only the rounding differs (the direct form rounds each iterate to float32 and has no cancellation in
/// ‖vᵢ − z‖²; the pairwise form keeps the iterates exact in the weights).</para>
/// <para>Tolerance: q &lt; n/2 (breakdown point 1/2); nothing to check per call.</para>
/// <para>Non-finite input: rows whose squared norm is not finite are excluded (weight 0), as ByzFL
/// excludes rows holding ±∞; if every row is non-finite the result is the zero vector.</para>
/// <para>Diagnostics: final weights βᵢ/Σβ, scores ‖vᵢ − z‖ to the output (byzfl: to the float32 output itself), iterations, non-finite rows.</para>
/// </remarks>
internal sealed class GeometricMedianRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "geometric-median", "smoothed Weiszfeld approximation of the geometric median argmin_z Σ‖z − vᵢ‖",
        "Chen et al. 2017, Pillutla et al. (RFA); byzfl: LPD-EPFL/byzfl GeometricMedian (z₀ = 0, T fixed); fedlib: z₀ = mean, until tolerance", "q < n/2",
        [
            new("variant", "byzfl|fedlib", "byzfl", "byzfl: T iterations from zero; fedlib: from the mean until relative change < eps"),
            new("nu", "number ≥ 1e-250", "0.1", "smoothing: distances below ν count as ν (βᵢ ≤ 1/ν stays finite in every sum)"),
            new("iters", "integer in [1, 10000]", "3 (byzfl), 100 (fedlib)", "iterations (byzfl) or maximum iterations (fedlib)"),
            new("eps", "number > 0", "1e-6", "fedlib only: stop when the relative change is below eps"),
        ]);

    /// <summary>
    /// Smallest ν: a row at the iterate (identical rows, one row) gets βᵢ = 1/ν, and Σβ, βᵢvᵢ and Σβᵢvᵢ must stay finite
    /// in float64 for any float32 input (|v| &lt; 3.5e38) and any row count (&lt; 2³¹): n·3.5e38/ν &lt; 1.8e308 for ν ≥ 1e-250.
    /// Until 2026-12-02 any ν &gt; 0 was accepted: below about 1e-308, 1/ν was +∞ and the output NaN; a little above, the
    /// sums could overflow for large coordinates. No upper bound: a huge ν (beyond about 1e260) makes βᵢvᵢ underflow.
    /// </summary>
    internal const double MinNu = 1e-250;

    private readonly bool _fedlib;
    private readonly double _nu;
    private readonly int _iters;
    private readonly double _eps;
    private readonly PairwiseDistances _distances = new();
    private readonly RowCombination _combination = new();
    private double[] _w = [];
    private double[] _beta = [];
    private double[] _dist = [];
    private double[] _delta = [];
    private double[] _next = [];
    private bool[] _nonFinite = [];
    private float[] _outputCopy = [];
    private CombinationDistances? _step;
    private PointDistances? _scores;

    private GeometricMedianRule(bool fedlib, double nu, int iters, double eps)
    {
        _fedlib = fedlib;
        _nu = nu;
        _iters = iters;
        _eps = eps;
    }

    public static IAggregator Create(SpecParameters p, AggregatorBuildContext _)
    {
        bool fedlib = p.GetChoice("variant", "byzfl", "byzfl", "fedlib") == "fedlib";
        double nu = p.GetDouble("nu", 0.1, min: MinNu);
        int iters = p.GetInt("iters", defaultValue: fedlib ? 100 : 3, min: 1, max: IterationLimit.Max);
        if (!fedlib && p.Has("eps")) throw new SimByzException("geometric-median: parameter 'eps' applies to variant=fedlib only");
        double eps = p.GetDouble("eps", 1e-6, min: double.Epsilon);
        return new GeometricMedianRule(fedlib, nu, iters, eps);
    }

    public string Spec => field ??= _fedlib
        ? FormattableString.Invariant($"geometric-median:variant=fedlib,nu={_nu:R},iters={_iters},eps={_eps:R}")
        : FormattableString.Invariant($"geometric-median:variant=byzfl,nu={_nu:R},iters={_iters}");

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        Guard.Shape(input, output, Spec);
        int n = input.Count;
        if (_w.Length < n)
        {
            _w = new double[n];
            _beta = new double[n];
            _dist = new double[n];
            _delta = new double[n];
            _next = new double[n];
        }
        var (iterations, bad, nonFinite) = _fedlib ? IteratePairwise(input, output) : IterateDirect(input, output);
        if (diagnostics is null) return;
        diagnostics.Reset(n);
        diagnostics.Iterations = iterations;
        diagnostics.NonFiniteRows = bad;
        if (bad == n) return;
        // Scores: each row's distance to the output (fedlib: to the exact combination, from the pairwise distances;
        // byzfl: to the float32 output itself, one more pass, only when asked).
        var scores = _dist.AsSpan(0, n);
        if (_fedlib)
        {
            DistancesToCombination(_w.AsSpan(0, n), scores);
        }
        else
        {
            float[] copy = _outputCopy.Length >= output.Length ? _outputCopy : (_outputCopy = new float[output.Length]);
            output.CopyTo(copy);
            (_scores ??= new PointDistances()).Compute(input, copy.AsMemory(0, output.Length));
            for (int i = 0; i < n; i++) scores[i] = Math.Sqrt(_scores.Squared[i]);
        }
        for (int i = 0; i < n; i++)
        {
            diagnostics.Weights[i] = _w[i];
            diagnostics.Scores[i] = nonFinite[i] ? double.PositiveInfinity : scores[i];
        }
        diagnostics.HasWeights = diagnostics.HasScores = true;
    }

    /// <summary>The starting weights of both variants: equal over the finite rows; with none, the zero output and false.</summary>
    private static bool UniformOverFinite(ReadOnlySpan<bool> nonFinite, int bad, Span<double> w, Span<float> output)
    {
        if (bad == nonFinite.Length)
        {
            output.Clear();
            return false;
        }
        for (int i = 0; i < w.Length; i++) w[i] = nonFinite[i] ? 0 : 1.0 / (nonFinite.Length - bad);
        return true;
    }

    /// <summary>βᵢ = 1 / max(ν, distᵢ) into <paramref name="beta"/> (0 for non-finite rows or distances); returns Σβ.</summary>
    private double Betas(ReadOnlySpan<double> dist, ReadOnlySpan<bool> nonFinite, Span<double> beta)
    {
        double sum = 0;
        for (int i = 0; i < beta.Length; i++)
        {
            double di = dist[i];
            beta[i] = nonFinite[i] || !double.IsFinite(di) ? 0 : 1.0 / Math.Max(_nu, di);
            sum += beta[i];
        }
        return sum;
    }

    /// <summary>
    /// byzfl: from z₀ = 0, each iterate formed in float32 and every row's distance to it measured directly, one pass
    /// over the data per iteration (<see cref="CombinationDistances"/>), as ByzFL evaluates it. Writes the output and
    /// leaves the final weights βᵢ/Σβ in _w.
    /// </summary>
    private (int Iterations, int Bad, bool[] NonFinite) IterateDirect(GradientBatch input, Span<float> output)
    {
        int n = input.Count;
        var w = _w.AsSpan(0, n);
        var beta = _beta.AsSpan(0, n);
        var next = _next.AsSpan(0, n);
        var dist = _dist.AsSpan(0, n);
        var step = _step ??= new CombinationDistances();
        step.Norms(input);
        bool[] nonFinite = _nonFinite.Length >= n ? _nonFinite : (_nonFinite = new bool[n]);
        int bad = 0;
        for (int i = 0; i < n; i++)
        {
            nonFinite[i] = !double.IsFinite(step.Squared[i]);
            if (nonFinite[i]) bad++;
        }
        if (!UniformOverFinite(nonFinite.AsSpan(0, n), bad, w, output)) return (0, bad, nonFinite);
        int iterations = 0;
        double betaSum = 0;
        // Each pass over the data runs its chunks in the order opposite to the pass before (the norms ascending), so
        // that it starts where the last one ended, on the chunks still in the caches (speed only).
        var order = ChunkOrder.Ascending;
        for (int t = 0; t < _iters; t++)
        {
            // t = 0: z₀ = 0, whose distances are the norms just measured; later: z_t = Σ βᵢvᵢ / Σβ of the last weights.
            if (t > 0) step.Step(input, beta, betaSum, order = Opposite(order));
            for (int i = 0; i < n; i++) dist[i] = Math.Sqrt(step.Squared[i]);
            double sum = Betas(dist, nonFinite, next);
            iterations++;
            if (sum == 0)
            {
                // Every distance non-finite (overflow): the last weights stand, as in the pairwise form.
                _combination.Compute(input, w, 1, output, Opposite(order));
                return (iterations, bad, nonFinite);
            }
            betaSum = sum;
            next.CopyTo(beta);
            for (int i = 0; i < n; i++) w[i] = beta[i] / betaSum;
        }
        _combination.Compute(input, beta, betaSum, output, Opposite(order));
        return (iterations, bad, nonFinite);
    }

    private static ChunkOrder Opposite(ChunkOrder order) => order == ChunkOrder.Ascending ? ChunkOrder.Descending : ChunkOrder.Ascending;

    /// <summary>
    /// fedlib: from the mean of the finite rows until the relative change is below ε, the iteration on the weights alone,
    /// from the pairwise distances (two passes whatever the iterations). Writes the output and leaves the final weights in _w.
    /// </summary>
    private (int Iterations, int Bad, bool[] NonFinite) IteratePairwise(GradientBatch input, Span<float> output)
    {
        int n = input.Count;
        int bad = _distances.Compute(input);
        var w = _w.AsSpan(0, n);
        var beta = _beta.AsSpan(0, n);
        var dist = _dist.AsSpan(0, n);
        bool[] nonFinite = _distances.NonFinite;
        if (!UniformOverFinite(nonFinite.AsSpan(0, n), bad, w, output)) return (0, bad, nonFinite);
        int iterations = 0;
        double betaSum = 0;
        for (int t = 0; t < _iters; t++)
        {
            DistancesToCombination(w, dist);
            betaSum = Betas(dist, nonFinite, beta);
            iterations++;
            if (betaSum == 0) break;
            double change = RelativeChange(w, beta, betaSum);
            for (int i = 0; i < n; i++) w[i] = beta[i] / betaSum;
            if (change < _eps) break;
        }
        if (betaSum == 0)
        {
            for (int i = 0; i < n; i++) beta[i] = w[i];
            betaSum = 1;
        }
        _combination.Compute(input, beta, betaSum, output, ChunkOrder.Descending); // the distance pass's last chunks first
        return (iterations, bad, nonFinite);
    }

    /// <summary>dist[i] = ‖vᵢ − Σₖ wₖvₖ‖ for Σw = 1, from the pairwise distances.</summary>
    private void DistancesToCombination(ReadOnlySpan<double> w, Span<double> dist)
    {
        int n = w.Length;
        double half = HalfQuadratic(w, w);
        for (int i = 0; i < n; i++)
        {
            if (_distances.NonFinite[i])
            {
                dist[i] = double.PositiveInfinity;
                continue;
            }
            double s = 0;
            for (int k = 0; k < n; k++)
            {
                if (w[k] != 0) s += w[k] * _distances[i, k];
            }
            dist[i] = Math.Sqrt(Math.Max(0, s - half));
        }
    }

    /// <summary>½ Σₖₗ aₖbₗDₖₗ over the finite rows.</summary>
    private double HalfQuadratic(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length;
        double s = 0;
        for (int k = 0; k < n; k++)
        {
            if (a[k] == 0) continue;
            double r = 0;
            for (int l = 0; l < n; l++)
            {
                if (b[l] != 0) r += b[l] * _distances[k, l];
            }
            s += a[k] * r;
        }
        return 0.5 * s;
    }

    /// <summary>‖z' − z‖ / ‖z‖ for z = Σ wv and z' = Σ (β/Σβ) v.</summary>
    private double RelativeChange(ReadOnlySpan<double> w, ReadOnlySpan<double> beta, double betaSum)
    {
        int n = w.Length;
        Span<double> delta = _delta.AsSpan(0, n);
        for (int i = 0; i < n; i++) delta[i] = beta[i] / betaSum - w[i];
        double change = Math.Sqrt(Math.Max(0, -HalfQuadratic(delta, delta)));
        double norm2 = -HalfQuadratic(w, w);
        for (int k = 0; k < n; k++)
        {
            if (w[k] != 0) norm2 += w[k] * _distances.SquaredNorms[k];
        }
        double norm = Math.Sqrt(Math.Max(0, norm2));
        return norm > 0 ? change / norm : change;
    }
}
