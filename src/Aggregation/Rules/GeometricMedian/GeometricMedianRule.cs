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
/// <para>How it is computed: every iterate after the first is a convex combination z = Σ wₖvₖ of the
/// inputs, so the iteration runs on the weights alone, using the pairwise squared distances Dᵢₖ
/// (one blocked pass, <see cref="PairwiseDistances"/>): ‖vᵢ − z‖² = Σₖ wₖDᵢₖ − ½ Σₖₗ wₖwₗDₖₗ (clamped at
/// 0), ‖z_{t+1} − z_t‖² = −½ Σₖₗ δₖδₗDₖₗ with δ = w' − w, and ‖z‖² = Σₖ wₖ‖vₖ‖² − ½ Σₖₗ wₖwₗDₖₗ. The
/// output Σ βᵢvᵢ / Σ βᵢ is then formed once in float64 (<see cref="RowCombination"/>). Cost: two passes
/// over the data whatever the number of iterations. The iterates are those of the formula; only the
/// rounding differs from a direct evaluation.</para>
/// <para>Tolerance: q &lt; n/2 (breakdown point 1/2); nothing to check per call.</para>
/// <para>Non-finite input: rows whose squared norm is not finite are excluded (weight 0), as ByzFL
/// excludes rows holding ±∞; if every row is non-finite the result is the zero vector.</para>
/// <para>Diagnostics: final weights βᵢ/Σβ, scores ‖vᵢ − z‖ to the output, iterations, non-finite rows.</para>
/// </remarks>
internal sealed class GeometricMedianRule : IAggregator
{
    public static readonly ComponentInfo Info = new(
        "geometric-median", "smoothed Weiszfeld approximation of the geometric median argmin_z Σ‖z − vᵢ‖",
        "Chen et al. 2017, Pillutla et al. (RFA); byzfl: LPD-EPFL/byzfl GeometricMedian (z₀ = 0, T fixed); fedlib: z₀ = mean, until tolerance", "q < n/2",
        [
            new("variant", "byzfl|fedlib", "byzfl", "byzfl: T iterations from zero; fedlib: from the mean until relative change < eps"),
            new("nu", "number > 0", "0.1", "smoothing: distances below ν count as ν"),
            new("iters", "integer in [1, 10000]", "3 (byzfl), 100 (fedlib)", "iterations (byzfl) or maximum iterations (fedlib)"),
            new("eps", "number > 0", "1e-6", "fedlib only: stop when the relative change is below eps"),
        ]);

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
        double nu = p.GetDouble("nu", 0.1, min: double.Epsilon);
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
        }
        int bad = _distances.Compute(input);
        var w = _w.AsSpan(0, n);
        var beta = _beta.AsSpan(0, n);
        var dist = _dist.AsSpan(0, n);
        bool[] nonFinite = _distances.NonFinite;
        int iterations = 0;
        double betaSum = 0;
        if (bad < n)
        {
            bool atZero = !_fedlib;
            for (int i = 0; i < n; i++) w[i] = nonFinite[i] ? 0 : 1.0 / (n - bad);
            for (int t = 0; t < _iters; t++)
            {
                if (atZero)
                {
                    for (int i = 0; i < n; i++) dist[i] = Math.Sqrt(_distances.SquaredNorms[i]);
                }
                else
                {
                    DistancesToCombination(w, dist);
                }
                betaSum = 0;
                for (int i = 0; i < n; i++)
                {
                    double di = dist[i];
                    beta[i] = nonFinite[i] || !double.IsFinite(di) ? 0 : 1.0 / Math.Max(_nu, di);
                    betaSum += beta[i];
                }
                iterations++;
                if (betaSum == 0) break;
                double change = _fedlib ? RelativeChange(w, beta, betaSum) : double.PositiveInfinity;
                for (int i = 0; i < n; i++) w[i] = beta[i] / betaSum;
                atZero = false;
                if (change < _eps) break;
            }
            if (betaSum == 0)
            {
                for (int i = 0; i < n; i++) beta[i] = w[i];
                betaSum = 1;
            }
            _combination.Compute(input, beta, betaSum, output);
        }
        else
        {
            output.Clear();
        }
        if (diagnostics is not null)
        {
            diagnostics.Reset(n);
            diagnostics.Iterations = iterations;
            diagnostics.NonFiniteRows = bad;
            if (bad < n)
            {
                DistancesToCombination(w, dist);
                for (int i = 0; i < n; i++)
                {
                    diagnostics.Weights[i] = w[i];
                    diagnostics.Scores[i] = nonFinite[i] ? double.PositiveInfinity : dist[i];
                }
                diagnostics.HasWeights = diagnostics.HasScores = true;
            }
        }
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
