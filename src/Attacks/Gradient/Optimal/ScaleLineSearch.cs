using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>A function of one non-negative scale that an adaptive attack maximizes.</summary>
internal interface IScaleObjective
{
    /// <summary>The damage at <paramref name="scale"/> (higher is more harmful; non-finite counts as −∞).</summary>
    double Evaluate(double scale);
}

/// <summary>
/// Options of the one-dimensional search over the attack scale (parameters <c>search</c>,
/// <c>evals</c>, <c>start</c>, <c>delta</c>, <c>ratio</c> of the optimal attacks).
/// </summary>
/// <param name="Method"><c>byzfl</c> (default) or <c>golden</c>.</param>
/// <param name="Evals">Budget: the objective is evaluated exactly this many times (default 16, as ByzFL).</param>
/// <param name="Start">First scale tried, ≥ 0 (default 0).</param>
/// <param name="Delta">First step, &gt; 0 (default 1).</param>
/// <param name="Ratio">Contraction ratio of <c>byzfl</c>, in (0.5, 1) (default 0.8).</param>
internal sealed record LineSearchOptions(string Method, int Evals, double Start, double Delta, double Ratio)
{
    public static LineSearchOptions Read(SpecParameters p)
    {
        string method = p.GetChoice("search", "byzfl", "byzfl", "golden");
        int evals = p.GetInt("evals", 16, min: 1, max: 10_000);
        double start = p.GetDouble("start", 0, min: 0);
        double delta = p.GetDouble("delta", 1, min: 1e-12);
        double ratio = method == "byzfl" ? p.GetDouble("ratio", 0.8, min: 0.5000001, max: 0.9999999) : 0.8;
        return new LineSearchOptions(method, evals, start, delta, ratio);
    }

    public void AppendTo(SpecText spec)
    {
        spec.Add("search", Method).Add("evals", Evals).Add("start", Start).Add("delta", Delta);
        if (Method == "byzfl") spec.Add("ratio", Ratio);
    }

    public static IReadOnlyList<ParameterInfo> Parameters { get; } =
    [
        new("search", "byzfl|golden", "byzfl", "byzfl: ByzFL LineMaximize (expand by doubling, then contract by ratio); golden: expand by doubling, then golden-section"),
        new("evals", "integer ≥ 1", "16", "evaluation budget: trial aggregations per round"),
        new("start", "number ≥ 0", "0", "first scale tried"),
        new("delta", "number > 0", "1", "first step"),
        new("ratio", "number in (0.5, 1)", "0.8", "byzfl only: step contraction ratio"),
    ];
}

/// <summary>
/// Best-effort maximization of a function of a scale s ≥ 0 within a fixed evaluation budget.
/// </summary>
/// <remarks>
/// <para><c>byzfl</c> restates ByzFL's <c>LineMaximize</c> (LPD-EPFL/byzfl, attack_optimizers.py):
/// evaluate s = start; expansion: try best + δ, and while it improves accept it and double δ; on
/// the first failure multiply δ by ratio and switch to contraction: the probe steps δ toward the
/// best point (from below: +δ; from above: −δ, halving toward 0 instead when that would go
/// negative), the best point is replaced whenever the probe improves on it, and δ shrinks by
/// ratio after every probe.</para>
/// <para><c>golden</c>: the same doubling expansion brackets a maximum in [a, c] around the best
/// point; the remaining budget runs a golden-section search on [a, c] (one evaluation per step,
/// the bracket shrinks by 0.618 per step). Either way the best point evaluated is returned; ties
/// keep the point evaluated first, so a flat objective returns start.
/// Exactly <see cref="LineSearchOptions.Evals"/> evaluations are made unless the bracket shrinks
/// to nothing first. Deterministic: no draws, and the evaluation order is fixed.</para>
/// </remarks>
internal static class ScaleLineSearch
{
    private static readonly double InvPhi = (Math.Sqrt(5.0) - 1.0) / 2.0;

    public static (double Scale, double Value) Maximize<T>(T objective, LineSearchOptions options) where T : IScaleObjective
        => options.Method == "golden" ? Golden(objective, options) : ByzFl(objective, options);

    private static double Eval<T>(T objective, double x) where T : IScaleObjective
    {
        double y = objective.Evaluate(x);
        return double.IsFinite(y) ? y : double.NegativeInfinity;
    }

    private static (double, double) ByzFl<T>(T objective, LineSearchOptions o) where T : IScaleObjective
    {
        int evals = o.Evals;
        double delta = o.Delta;
        double bestX = o.Start, bestY = Eval(objective, bestX);
        evals--;
        double probeX = bestX;
        while (evals > 0)
        {
            probeX = bestX + delta;
            double probeY = Eval(objective, probeX);
            evals--;
            if (probeY > bestY)
            {
                bestX = probeX;
                bestY = probeY;
                delta *= 2;
            }
            else
            {
                delta *= o.Ratio;
                break;
            }
        }
        while (evals > 0)
        {
            if (probeX < bestX) probeX += delta;
            else probeX = probeX - delta >= 0 ? probeX - delta : probeX / 2;
            double probeY = Eval(objective, probeX);
            evals--;
            if (probeY > bestY)
            {
                bestX = probeX;
                bestY = probeY;
            }
            delta *= o.Ratio;
        }
        return (bestX, bestY);
    }

    private static (double, double) Golden<T>(T objective, LineSearchOptions o) where T : IScaleObjective
    {
        int evals = o.Evals;
        double delta = o.Delta;
        double a = o.Start, fa = Eval(objective, a);
        evals--;
        double bestX = a, bestY = fa;
        if (evals == 0) return (bestX, bestY);
        double b = a + delta, fb = Eval(objective, b);
        evals--;
        double lo, hi;
        if (fb > fa)
        {
            bestX = b;
            bestY = fb;
            // Expansion: a < b with f(b) > f(a); step on until f drops, bracketing the maximum in [a, c].
            while (true)
            {
                if (evals == 0) return (bestX, bestY);
                delta *= 2;
                double c = b + delta, fc = Eval(objective, c);
                evals--;
                if (fc > fb)
                {
                    a = b;
                    b = c;
                    fb = fc;
                    bestX = c;
                    bestY = fc;
                }
                else
                {
                    lo = a;
                    hi = c;
                    break;
                }
            }
        }
        else
        {
            lo = a;
            hi = b;
        }
        if (evals == 0) return (bestX, bestY);
        double x1 = hi - InvPhi * (hi - lo), f1 = Eval(objective, x1);
        evals--;
        Keep(x1, f1, ref bestX, ref bestY);
        if (evals == 0) return (bestX, bestY);
        double x2 = lo + InvPhi * (hi - lo), f2 = Eval(objective, x2);
        evals--;
        Keep(x2, f2, ref bestX, ref bestY);
        while (evals > 0 && hi - lo > 0)
        {
            if (f2 > f1)
            {
                lo = x1;
                x1 = x2;
                f1 = f2;
                x2 = lo + InvPhi * (hi - lo);
                f2 = Eval(objective, x2);
                Keep(x2, f2, ref bestX, ref bestY);
            }
            else
            {
                hi = x2;
                x2 = x1;
                f2 = f1;
                x1 = hi - InvPhi * (hi - lo);
                f1 = Eval(objective, x1);
                Keep(x1, f1, ref bestX, ref bestY);
            }
            evals--;
        }
        return (bestX, bestY);
    }

    private static void Keep(double x, double y, ref double bestX, ref double bestY)
    {
        if (y > bestY)
        {
            bestX = x;
            bestY = y;
        }
    }
}
