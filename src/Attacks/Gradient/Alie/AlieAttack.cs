using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Attacks.Gradient;

/// <summary>
/// "A Little Is Enough" (Baruch, Baruch, Goldberg, NeurIPS 2019): all Byzantine workers send
/// μ_j ± z·σ_j per coordinate, μ and σ the coordinate-wise mean and standard deviation of the
/// honest vectors, small enough to stay inside the honest spread yet biased in every coordinate.
/// </summary>
/// <remarks>
/// <para><c>alie:variant=baruch|karimireddy|blades|byzfl,z=auto|NUMBER,sign=minus|plus,std=population|sample</c>.
/// A variant presets z, sign and std; z, sign or std given explicitly override the preset.</para>
/// <list type="table">
/// <listheader><term>variant</term><description>z, sign, σ, source</description></listheader>
/// <item><term>baruch (default)</term><description>z = auto, μ − zσ, population σ (divide by h):
/// the original code moranant/attacking_distributed_learning as publicly re-implemented (np.var).</description></item>
/// <item><term>karimireddy</term><description>z = auto, μ − zσ, sample σ (torch.std, h − 1):
/// epfml/byzantine-robust-noniid-optimizer (Karimireddy et al., ICLR 2022).</description></item>
/// <item><term>blades</term><description>z = auto, μ + zσ, sample σ: Blades and FLPoison.</description></item>
/// <item><term>byzfl</term><description>z = 1.5, μ + zσ, sample σ (ddof = 1): ByzFL ALittleIsEnough(τ = 1.5).</description></item>
/// </list>
/// <para>z = auto is z_max of the paper: s = ⌊n/2 + 1⌋ − f, z = Φ⁻¹((n − f − s)/(n − f)), Φ⁻¹ by
/// <see cref="DetMath.NormalQuantile"/>, n = <see cref="AttackContext.WorkerCount"/> (or h + q when
/// 0), f = <see cref="AttackContext.TotalByzantine"/> (or the rows requested). It follows the formula
/// literally, so z may be ≤ 0 for small f (n = 10, f = 2 gives z = 0). It is undefined when
/// f ≥ ⌊n/2 + 1⌋ (Byzantine majority: the argument is ≥ 1) or n ≤ 2 (argument ≤ 0): crafting then
/// throws <see cref="SimByzException"/> asking for an explicit z.</para>
/// <para>Sample σ with a single honest row is 0. With no honest row the statistics come from the
/// Byzantine workers' own gradients (the paper's non-omniscient setting); with neither, the rows
/// are zero. Colluding (identical rows), deterministic.</para>
/// </remarks>
internal sealed class AlieAttack : IGradientAttack
{
    public static readonly ComponentInfo Info = new(
        "alie", "a little is enough: all send μ ± z·σ (coordinate-wise honest mean and std)",
        "Baruch et al., NeurIPS 2019 (baruch); Karimireddy et al., ICLR 2022 (karimireddy); Blades/FLPoison (blades); ByzFL (byzfl)",
        "any q ≤ n−1; z=auto needs f < ⌊n/2+1⌋ and n > 2",
        [
            new("variant", "baruch|karimireddy|blades|byzfl", "baruch", "preset of z, sign and std (see the source column)"),
            new("z", "auto|number", "per variant (auto; byzfl 1.5)", "deviation in standard deviations; auto = Φ⁻¹((n−f−s)/(n−f)), s = ⌊n/2+1⌋−f"),
            new("sign", "minus|plus", "per variant (baruch, karimireddy: minus)", "μ − zσ or μ + zσ"),
            new("std", "population|sample", "per variant (baruch: population)", "σ divides by h or h − 1"),
        ]);

    private readonly AlieShape _shape;
    private float[] _mean = [];
    private float[] _std = [];
    private double[] _scratch = [];

    private AlieAttack(AlieShape shape, string spec)
    {
        _shape = shape;
        Spec = spec;
    }

    public static IGradientAttack Create(SpecParameters p)
    {
        var spec = new SpecText("alie");
        var shape = AlieShape.Read(p, spec, withZ: true);
        return new AlieAttack(shape, spec.ToString());
    }

    public string Spec { get; }

    /// <summary>The z used by the last <see cref="Craft"/> (resolved when auto).</summary>
    internal double LastZ { get; private set; }

    /// <summary>z = auto needs z_max to exist for (n, q); an explicit z works for any n and q.</summary>
    public void CheckTolerance(int n, int q)
    {
        if (_shape.Z is null && q > 0) AlieShape.ZMax(n, q, Spec);
    }

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
        double z = _shape.Z ?? AlieShape.ZMax(context, Spec);
        LastZ = z;
        Span<float> mean = AttackMath.Grow(ref _mean, d), std = AttackMath.Grow(ref _std, d);
        AttackMath.MeanAndStd(reference, _shape.SampleStd, mean, std, ref _scratch);
        AlieShape.Write(mean, std, _shape.Sign * z, output[..d]);
        AttackMath.FillRows(output, output[..d], q);
    }
}

/// <summary>The resolved shape of an ALIE row: z (null = auto), the sign and the σ estimator.</summary>
internal sealed record AlieShape(double? Z, int Sign, bool SampleStd)
{
    /// <summary>Reads variant, z (when <paramref name="withZ"/>), sign and std, appending them to <paramref name="spec"/>.</summary>
    public static AlieShape Read(SpecParameters p, SpecText spec, bool withZ)
    {
        string variant = p.GetChoice("variant", withZ ? "baruch" : "byzfl", "baruch", "karimireddy", "blades", "byzfl");
        (string z, string sign, string std) preset = variant switch
        {
            "baruch" => ("auto", "minus", "population"),
            "karimireddy" => ("auto", "minus", "sample"),
            "blades" => ("auto", "plus", "sample"),
            _ => ("1.5", "plus", "sample"),
        };
        spec.Add("variant", variant);
        double? z = null;
        if (withZ)
        {
            string zText = p.GetString("z", preset.z);
            if (zText != "auto")
            {
                double value = p.Has("z")
                    ? p.GetDouble("z", defaultValue: 0)
                    : double.Parse(zText, System.Globalization.CultureInfo.InvariantCulture);
                z = value;
                zText = SpecText.Number(value);
            }
            spec.Add("z", zText);
        }
        string signText = p.GetChoice("sign", preset.sign, "minus", "plus");
        string stdText = p.GetChoice("std", preset.std, "population", "sample");
        spec.Add("sign", signText).Add("std", stdText);
        return new AlieShape(z, signText == "plus" ? 1 : -1, stdText == "sample");
    }

    /// <summary>z_max of Baruch et al. for the context's n and f; throws when undefined.</summary>
    public static double ZMax(AttackContext context, string spec)
    {
        int f = context.TotalByzantine > 0 ? context.TotalByzantine : context.ByzantineCount;
        int n = context.WorkerCount > 0 ? context.WorkerCount : context.Honest.Count + f;
        return ZMax(n, f, spec);
    }

    /// <summary>z_max = Φ⁻¹((n − f − s)/(n − f)), s = ⌊n/2 + 1⌋ − f.</summary>
    public static double ZMax(int n, int f, string spec)
    {
        int s = n / 2 + 1 - f;
        double p = (double)(n - f - s) / (n - f);
        if (!(p > 0 && p < 1))
        {
            throw new SimByzException(
                $"attack '{spec}': z=auto is undefined for n={n}, f={f} (s = ⌊n/2+1⌋−f = {s}, Φ⁻¹ of {SpecText.Number(p)}); it needs f < ⌊n/2+1⌋ and n > 2: give z explicitly");
        }
        return DetMath.NormalQuantile(p);
    }

    /// <summary>row_j = μ_j + signedZ·σ_j, computed in float64 and rounded once.</summary>
    public static void Write(ReadOnlySpan<float> mean, ReadOnlySpan<float> std, double signedZ, Span<float> row)
    {
        for (int j = 0; j < row.Length; j++) row[j] = (float)(mean[j] + signedZ * std[j]);
    }
}
