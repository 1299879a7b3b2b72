using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// Optimal ALIE (ByzFL's A Little Is Enough with the LineMaximize optimizer): all Byzantine
/// workers send μ ± z*·σ, with z* the deviation that maximizes ‖Aggr(honest ∪ Byzantine) −
/// mean(honest)‖ against the defence in use.
/// </summary>
/// <remarks>
/// <para><c>optimal-alie:variant=byzfl,sign=plus,std=sample,search=byzfl,evals=16,start=0,delta=1,ratio=0.8,proxy=median</c>.
/// The shape (sign, σ estimator) follows the ALIE variants of <see cref="AlieAttack"/> (default
/// byzfl: μ + zσ, sample σ; z itself is what the search chooses, over z ≥ 0 from <c>start</c>).
/// Each round costs <c>evals</c> trial aggregations (see <see cref="ScaleLineSearch"/> and
/// <see cref="DefenceProbe"/>). With no honest row the own gradients stand in; with neither, the
/// rows are zero. Colluding, deterministic.</para>
/// </remarks>
internal sealed class OptimalAlieAttack : IGradientAttack, IScaleObjective
{
    public static readonly ComponentInfo Info = new(
        "optimal-alie", "ALIE with z line-searched to maximize ‖Aggr − mean(honest)‖ against the actual defence",
        "Baruch et al., NeurIPS 2019; line search as ByzFL (LPD-EPFL/byzfl LineMaximize + ALittleIsEnough)", "any q ≤ n−1",
        [
            new("variant", "baruch|karimireddy|blades|byzfl", "byzfl", "preset of sign and std as for alie"),
            new("sign", "minus|plus", "per variant (byzfl: plus)", "μ − zσ or μ + zσ"),
            new("std", "population|sample", "per variant (byzfl: sample)", "σ divides by h or h − 1"),
            .. LineSearchOptions.Parameters,
            OptimalIpmAttack.ProxyParameter,
        ]);

    private readonly AlieShape _shape;
    private readonly LineSearchOptions _search;
    private readonly DefenceProbe _probe;
    private float[] _mean = [];
    private float[] _std = [];
    private float[] _row = [];
    private double[] _scratch = [];
    private int _d;

    private OptimalAlieAttack(AlieShape shape, LineSearchOptions search, DefenceProbe probe, string spec)
    {
        _shape = shape;
        _search = search;
        _probe = probe;
        Spec = spec;
    }

    public static IGradientAttack Create(SpecParameters p, AttackBuildContext context)
    {
        var spec = new SpecText("optimal-alie");
        var shape = AlieShape.Read(p, spec, withZ: false);
        var search = LineSearchOptions.Read(p);
        var (proxy, proxyName) = OptimalIpmAttack.ReadProxy(p, context);
        search.AppendTo(spec);
        spec.Add("proxy", proxyName);
        return new OptimalAlieAttack(shape, search, new DefenceProbe(proxy, context), spec.ToString());
    }

    public string Spec { get; }

    /// <summary>z* chosen by the last <see cref="Craft"/>.</summary>
    internal double LastScale { get; private set; }

    /// <summary>The damage at z* in the last <see cref="Craft"/>.</summary>
    internal double LastDamage { get; private set; }

    public void Craft(AttackContext context, Span<float> output)
    {
        int d = AttackMath.CheckShape(context, output, Spec);
        int q = context.ByzantineCount;
        if (q == 0) return;
        var reference = AttackMath.Reference(context);
        if (reference is null)
        {
            output.Clear();
            return;
        }
        _d = d;
        Span<float> mean = AttackMath.Grow(ref _mean, d), std = AttackMath.Grow(ref _std, d);
        AttackMath.Grow(ref _row, d);
        AttackMath.MeanAndStd(reference, _shape.SampleStd, mean, std, ref _scratch);
        _probe.Begin(context, reference, mean);
        (LastScale, LastDamage) = ScaleLineSearch.Maximize(this, _search);
        AlieShape.Write(mean, std, _shape.Sign * LastScale, output[..d]);
        AttackMath.FillRows(output, output[..d], q);
    }

    double IScaleObjective.Evaluate(double scale)
    {
        Span<float> row = _row.AsSpan(0, _d);
        AlieShape.Write(_mean.AsSpan(0, _d), _std.AsSpan(0, _d), _shape.Sign * scale, row);
        return _probe.Distance(row);
    }
}
