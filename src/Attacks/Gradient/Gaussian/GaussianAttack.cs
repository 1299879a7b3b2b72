using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// Gaussian noise: every coordinate of every Byzantine row is an independent N(c_j, σ²) draw.
/// </summary>
/// <remarks>
/// <para><c>gaussian:sigma=200,center=zero|mean</c>. <c>center=zero</c> (default) draws around 0,
/// as the Zeno reference code (xcgoner/icml2019_zeno, σ = 200); <c>center=mean</c> draws around the
/// honest mean (a noisier but plausible-looking gradient; with no honest row, the own gradients'
/// mean, else 0). Default σ = 200.</para>
/// <para>Randomness: standard normals from <see cref="AttackContext.Rng"/> (Marsaglia polar), drawn
/// row by row, coordinate by coordinate, q·d draws per call; the same stream state gives the same
/// rows. Rows are independent (no collusion).</para>
/// </remarks>
internal sealed class GaussianAttack : IGradientAttack
{
    public static readonly ComponentInfo Info = new(
        "gaussian", "independent N(0, σ²) (or N(mean(honest), σ²)) coordinates",
        "Zeno (Xie et al., ICML 2019) reference code xcgoner/icml2019_zeno, σ=200", "any q ≤ n−1",
        [
            new("sigma", "number ≥ 0", "200", "standard deviation σ of each coordinate"),
            new("center", "zero|mean", "zero", "zero: around the origin; mean: around the honest mean"),
        ]);

    private readonly double _sigma;
    private readonly bool _aroundMean;
    private float[] _mean = [];
    private double[] _scratch = [];

    private GaussianAttack(double sigma, bool aroundMean)
    {
        _sigma = sigma;
        _aroundMean = aroundMean;
        Spec = new SpecText("gaussian").Add("sigma", sigma).Add("center", aroundMean ? "mean" : "zero").ToString();
    }

    public static IGradientAttack Create(SpecParameters p)
        => new GaussianAttack(p.GetDouble("sigma", 200, min: 0), p.GetChoice("center", "zero", "zero", "mean") == "mean");

    public string Spec { get; }

    public bool IsRandomized => true;

    public void Craft(AttackContext context, Span<float> output)
    {
        int d = AttackMath.CheckShape(context, output, Spec);
        int q = context.ByzantineCount;
        if (q == 0) return;
        Span<float> center = AttackMath.Grow(ref _mean, d);
        var reference = _aroundMean ? AttackMath.Reference(context) : null;
        if (reference is null) center.Clear();
        else AttackMath.Mean(reference, center, ref _scratch);
        var rng = context.Rng;
        for (int k = 0; k < q; k++)
        {
            Span<float> row = output.Slice(k * d, d);
            for (int j = 0; j < d; j++) row[j] = (float)(center[j] + _sigma * rng.NextNormal());
        }
    }
}
