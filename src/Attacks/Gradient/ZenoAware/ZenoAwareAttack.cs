using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// Zeno-aware reversal: all Byzantine workers send u = −s·ĝ, ĝ = mean(honest), with the largest
/// scale s that the attacker expects to still pass Zeno's (or Zeno++'s) score test.
/// </summary>
/// <remarks>
/// <para><b>Threat model.</b> The attacker knows the defence's ρ, its penalty form, the step γ
/// (<see cref="AttackContext.LearningRate"/>, else the aggregation context's) and, for Zeno, how
/// many candidates it drops (b); it does not know the validation batch the server draws, so it
/// cannot evaluate f_r. It estimates the validation gradient ∇f_r(x) by ĝ, the mean of the honest
/// rows (the own gradients' mean when there is no honest row), and the loss change by the
/// first-order Taylor model f_r(x − γu) ≈ f_r(x) − γ⟨∇f_r(x), u⟩, exactly the approximation
/// Zeno++ itself makes. Assumptions, each a source of error the <c>margin</c> parameter (a factor
/// in (0, 1] applied to s) can absorb: ∇f_r(x) ≈ ĝ (validation and training data alike, batch
/// noise ignored), curvature ignored (for convex f_r the true score is lower by about
/// ½γ²uᵀ∇²f_r u, so the estimate is optimistic), and the honest rows' scores estimated the same way.</para>
/// <para><b>Derivation.</b> Write G = ‖ĝ‖² and P(u) = c‖u‖² with c = 1 (<c>penalty=sum</c>, the
/// paper) or c = 1/d (<c>penalty=mean</c>, mean_j u_j², the reference code xcgoner/icml2019_zeno).
/// The estimated score of u = −s·ĝ, s ≥ 0, is</para>
/// <code>Ŝ(s) = γ⟨ĝ, −sĝ⟩ − ρ·P(−sĝ) = −γGs − ρcGs²,</code>
/// <para>0 at s = 0 and strictly decreasing for s &gt; 0 (when G &gt; 0): a reversed direction
/// never gains score, so passing means staying above the filter's threshold τ. Its harm grows
/// with s (the first-order loss increase the server suffers from u is γsG), so the most harmful
/// passing scale is the largest root of Ŝ(s) = τ:</para>
/// <code>ρcG s² + γG s + τ ≤ 0  ⇒  s* = −2τ / (γG + √(γ²G² − 4ρcGτ))   for τ &lt; 0,</code>
/// <para>written in the cancellation-free form (equal to (−γG + √(γ²G² − 4ρcGτ))/(2ρcG), and to
/// −τ/(γG) when ρ = 0). For τ ≥ 0 no s &gt; 0 passes and s* = 0 (zero rows, the s → 0 end of the
/// family, which scores exactly 0). Thresholds τ per target:</para>
/// <list type="bullet">
/// <item><c>target=zeno</c> (synchronous, default; Xie et al., ICML 2019): Zeno sorts the n scores
/// and drops the b lowest, so the q identical Byzantine rows all survive when at least b honest rows
/// score below them: τ is the k-th smallest estimated honest score, k = min(b, h), with
/// Ŝᵢ = γ⟨ĝ, vᵢ⟩ − ρ·P(vᵢ) (when b &gt; h some Byzantine rows are dropped whatever they send and the
/// others must beat every honest row, hence k = h). b = 0 drops nothing: τ = −∞.</item>
/// <item><c>target=zenopp form=plain</c>: accept iff γ⟨g_r, u⟩ − ρ‖u‖² ≥ ε, so τ = ε (c = 1); only
/// ε ≤ 0 lets a reversed vector through (the talk's "trade-off: ε ≤ 0").</item>
/// <item><c>target=zenopp form=reference</c> (xcgoner/iclr2020_zeno_async): u' = u·‖g_r‖/‖u‖, accept
/// iff γ⟨u', g_r⟩ − ρ‖u‖² + γε ≥ 0. With g_r ≈ ĝ, ⟨u', g_r⟩ = −G whatever s, so the test reads
/// −γG − ρGs² + γε ≥ 0: it passes iff γ(ε − G) ≥ 0, for s ≤ √(γ(ε − G)/(ρG)), and the update applied
/// is the rescaled u', whose harm does not depend on s. SimByz sends that largest s (times
/// <c>margin</c>; a smaller margin keeps the harm and widens the slack), or 0 when ε &lt; G.</item>
/// </list>
/// <para>When the threshold bounds nothing (τ = −∞, or γ = ρ = 0, or ρ = 0 in the reference form)
/// s = <c>max-scale</c>; s never exceeds it. Defaults: target zeno, ρ = 0.0005 for zeno (the zeno rule's
/// default) and 0.001 for zenopp (the Zeno++ rule's default; spec values cannot hold '+', so Zeno++ is spelled zenopp as the aggregator registry names it), penalty sum, b = the
/// declared q (Zeno needs b ≥ q; else the rows requested), ε = 0.1, form reference, margin 1,
/// max-scale 100. Colluding (identical rows), deterministic.</para>
/// </remarks>
internal sealed class ZenoAwareAttack : IGradientAttack
{
    public static readonly ComponentInfo Info = new(
        "zeno-aware", "largest −s·mean(honest) expected to pass Zeno's / Zeno++'s score (first-order estimate)",
        "against Zeno (Xie et al., ICML 2019) and Zeno++ (Xie et al., ICML 2020); derivation in the XML docs of ZenoAwareAttack",
        "any q ≤ n−1",
        [
            new("target", "zeno|zenopp", "zeno", "the defence the attack evades: sorted Zeno, or thresholded Zeno++ (registered as zenopp)"),
            new("rho", "number ≥ 0", "0.0005 (zeno), 0.001 (zenopp)", "the defence's ρ"),
            new("b", "auto|integer ≥ 0", "auto", "zeno only: candidates Zeno drops; auto = declared q (else the rows requested)"),
            new("penalty", "sum|mean", "sum", "zeno only: ρ‖u‖² (paper) or ρ·mean_j u_j² (reference code)"),
            new("eps", "number", "0.1", "zenopp only: the acceptance threshold ε"),
            new("form", "reference|plain", "reference", "zenopp only: the score form, as the zenopp rule's form"),
            new("margin", "number in (0, 1]", "1", "safety factor applied to the computed scale"),
            new("max-scale", "number > 0", "100", "largest scale sent, used when the test bounds nothing"),
        ]);

    private readonly bool _zenoPlusPlus;
    private readonly double _rho;
    private readonly int _b;
    private readonly bool _meanPenalty;
    private readonly double _eps;
    private readonly bool _referenceForm;
    private readonly double _margin;
    private readonly double _maxScale;
    private float[] _mean = [];
    private double[] _scratch = [];
    private double[] _scores = [];

    private ZenoAwareAttack(bool zenoPlusPlus, double rho, int b, bool meanPenalty, double eps, bool referenceForm, double margin, double maxScale, string spec)
    {
        _zenoPlusPlus = zenoPlusPlus;
        _rho = rho;
        _b = b;
        _meanPenalty = meanPenalty;
        _eps = eps;
        _referenceForm = referenceForm;
        _margin = margin;
        _maxScale = maxScale;
        Spec = spec;
    }

    public static IGradientAttack Create(SpecParameters p, AttackBuildContext context)
    {
        bool plusPlus = p.GetChoice("target", "zeno", "zeno", "zenopp") == "zenopp";
        var spec = new SpecText("zeno-aware").Add("target", plusPlus ? "zenopp" : "zeno");
        double rho = p.GetDouble("rho", plusPlus ? 0.001 : 0.0005, min: 0);
        spec.Add("rho", rho);
        int b = -1;
        bool meanPenalty = false, referenceForm = true;
        double eps = 0.1;
        if (plusPlus)
        {
            eps = p.GetDouble("eps", defaultValue: 0.1);
            referenceForm = p.GetChoice("form", "reference", "reference", "plain") == "reference";
            spec.Add("eps", eps).Add("form", referenceForm ? "reference" : "plain");
        }
        else
        {
            string bText = p.GetString("b", "auto");
            if (bText != "auto") b = p.GetInt("b", 0, min: 0);
            else if (context.DeclaredByzantine >= 0) b = context.DeclaredByzantine;
            spec.Add("b", b >= 0 ? b.ToString(System.Globalization.CultureInfo.InvariantCulture) : "auto");
            meanPenalty = p.GetChoice("penalty", "sum", "sum", "mean") == "mean";
            spec.Add("penalty", meanPenalty ? "mean" : "sum");
        }
        double margin = p.GetDouble("margin", 1, min: 0, max: 1);
        if (margin == 0) throw new SimByzException("attack 'zeno-aware': parameter 'margin=0' is invalid: expected a number in (0, 1]");
        double maxScale = p.GetDouble("max-scale", 100, min: 0);
        if (maxScale == 0) throw new SimByzException("attack 'zeno-aware': parameter 'max-scale=0' is invalid: expected a number > 0");
        spec.Add("margin", margin).Add("max-scale", maxScale);
        return new ZenoAwareAttack(plusPlus, rho, b, meanPenalty, eps, referenceForm, margin, maxScale, spec.ToString());
    }

    public string Spec { get; }

    /// <summary>The scale s sent by the last <see cref="Craft"/>.</summary>
    internal double LastScale { get; private set; }

    /// <summary>The estimated threshold τ of the last <see cref="Craft"/> (Zeno and plain Zeno++).</summary>
    internal double LastThreshold { get; private set; }

    public void Craft(AttackContext context, Span<float> output)
    {
        int d = AttackMath.CheckShape(context, output, Spec);
        int q = context.ByzantineCount;
        if (q == 0) return;
        var reference = AttackMath.Reference(context);
        if (reference is null)
        {
            output.Clear();
            LastScale = 0;
            return;
        }
        Span<float> mean = AttackMath.Grow(ref _mean, d);
        AttackMath.Mean(reference, mean, ref _scratch);
        double gamma = context.LearningRate != 0 ? context.LearningRate : context.AggregationContext.LearningRate;
        double g2 = DetVec.SquaredNorm(mean);
        double s = g2 > 0 ? Scale(reference, mean, gamma, g2, d, context) : 0;
        LastScale = s;
        AttackMath.Scale(mean, (float)-s, output[..d]);
        AttackMath.FillRows(output, output[..d], q);
    }

    private double Scale(Aggregation.GradientBatch reference, ReadOnlySpan<float> mean, double gamma, double g2, int d, AttackContext context)
    {
        if (_zenoPlusPlus && _referenceForm)
        {
            LastThreshold = double.NaN;
            double slack = gamma * (_eps - g2);
            if (slack < 0) return 0;
            double curvature = _rho * g2;
            return curvature > 0 ? Math.Min(_margin * Math.Sqrt(slack / curvature), _maxScale) : _maxScale;
        }
        double c = _zenoPlusPlus || !_meanPenalty ? 1.0 : 1.0 / d;
        double tau = _zenoPlusPlus ? _eps : ZenoThreshold(reference, mean, gamma, c, context);
        LastThreshold = tau;
        if (double.IsNegativeInfinity(tau)) return _maxScale;
        if (tau >= 0) return 0;
        double linear = gamma * g2, quadratic = _rho * c * g2;
        double denominator = linear + Math.Sqrt(linear * linear - 4 * quadratic * tau);
        if (!(denominator > 0)) return _maxScale;
        return Math.Min(_margin * (-2 * tau / denominator), _maxScale);
    }

    /// <summary>The k-th smallest estimated honest score, k = min(b, h); −∞ when k = 0.</summary>
    private double ZenoThreshold(Aggregation.GradientBatch reference, ReadOnlySpan<float> mean, double gamma, double c, AttackContext context)
    {
        int b = _b >= 0 ? _b : (context.TotalByzantine > 0 ? context.TotalByzantine : context.ByzantineCount);
        int h = reference.Count;
        int k = Math.Min(b, h);
        if (k == 0) return double.NegativeInfinity;
        Span<double> scores = AttackMath.Grow(ref _scores, h);
        for (int i = 0; i < h; i++)
        {
            ReadOnlySpan<float> v = reference.Row(i);
            scores[i] = gamma * DetVec.Dot(mean, v) - _rho * c * DetVec.SquaredNorm(v);
        }
        scores.Sort();
        return scores[k - 1];
    }
}
