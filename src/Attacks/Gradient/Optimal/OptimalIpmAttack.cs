using SimByz.Aggregation;
using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// Optimal inner-product manipulation (ByzFL's Fall of Empires with the LineMaximize optimizer):
/// all Byzantine workers send −ε*·mean(honest), with ε* the scale that maximizes
/// ‖Aggr(honest ∪ Byzantine) − mean(honest)‖ against the defence in use.
/// </summary>
/// <remarks>
/// <para><c>optimal-ipm:search=byzfl|golden,evals=16,start=0,delta=1,ratio=0.8,proxy=median</c>.
/// The search runs over ε ≥ 0 (rows −ε·μ). ByzFL's optimal IPM searched its τ from 0 with rows
/// (1 − τ)·μ (the pre-December-2024 form, ε = τ − 1); its current IPM sends −τ·μ (ε = τ). SimByz
/// searches ε from <c>start</c> (default 0) so the family never includes non-reversed rows. Each round costs <c>evals</c> trial aggregations of h + q rows
/// (see <see cref="ScaleLineSearch"/> for the two search schemes and <see cref="DefenceProbe"/>
/// for how the defence is copied, reset, and replaced by <c>proxy</c> when unknown or unusable).</para>
/// <para>With no honest row the own gradients stand in for the honest rows; with neither the rows
/// are zero. Colluding, deterministic (the defence's own randomness aside, e.g. bucketing).</para>
/// </remarks>
internal sealed class OptimalIpmAttack : IGradientAttack, IScaleObjective
{
    internal static readonly ParameterInfo ProxyParameter =
        new("proxy", "rule spec without parameters", "median", "rule searched against when the defence is unknown or needs the server's validation data");

    public static readonly ComponentInfo Info = new(
        "optimal-ipm", "IPM with ε line-searched to maximize ‖Aggr − mean(honest)‖ against the actual defence",
        "Xie et al., UAI 2019; line search as ByzFL (LPD-EPFL/byzfl LineMaximize + FallOfEmpires)", "any q ≤ n−1",
        [.. LineSearchOptions.Parameters, ProxyParameter]);

    private readonly LineSearchOptions _search;
    private readonly DefenceProbe _probe;
    private float[] _mean = [];
    private float[] _row = [];
    private double[] _scratch = [];
    private int _d;

    private OptimalIpmAttack(LineSearchOptions search, DefenceProbe probe, string spec)
    {
        _search = search;
        _probe = probe;
        Spec = spec;
    }

    public static IGradientAttack Create(SpecParameters p, AttackBuildContext context)
    {
        var search = LineSearchOptions.Read(p);
        var (proxy, proxyName) = ReadProxy(p, context);
        var spec = new SpecText("optimal-ipm");
        search.AppendTo(spec);
        spec.Add("proxy", proxyName);
        return new OptimalIpmAttack(search, new DefenceProbe(proxy, context), spec.ToString());
    }

    /// <summary>Reads and builds the <c>proxy</c> rule (a registered rule name).</summary>
    internal static (IAggregator Rule, string Name) ReadProxy(SpecParameters p, AttackBuildContext context)
    {
        string name = p.GetString("proxy", "median");
        try
        {
            return (context.AggregatorsOrBuiltIn.Create(name, new Aggregation.AggregatorBuildContext(context.Seed, context.DeclaredByzantine)), name);
        }
        catch (SimByzException e)
        {
            throw new SimByzException($"attack parameter 'proxy={name}' is invalid: {e.Message}", e);
        }
    }

    public string Spec { get; }

    /// <summary>ε* chosen by the last <see cref="Craft"/>.</summary>
    internal double LastScale { get; private set; }

    /// <summary>The damage at ε* in the last <see cref="Craft"/>.</summary>
    internal double LastDamage { get; private set; }

    internal DefenceProbe Probe => _probe;

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
        Span<float> mean = AttackMath.Grow(ref _mean, d);
        AttackMath.Grow(ref _row, d);
        AttackMath.Mean(reference, mean, ref _scratch);
        _probe.Begin(context, reference, mean);
        (LastScale, LastDamage) = ScaleLineSearch.Maximize(this, _search);
        AttackMath.Scale(mean, (float)-LastScale, output[..d]);
        AttackMath.FillRows(output, output[..d], q);
    }

    double IScaleObjective.Evaluate(double scale)
    {
        Span<float> row = _row.AsSpan(0, _d);
        AttackMath.Scale(_mean.AsSpan(0, _d), (float)-scale, row);
        return _probe.Distance(row);
    }
}
