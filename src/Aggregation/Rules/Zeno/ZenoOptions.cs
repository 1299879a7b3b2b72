using System.Globalization;

namespace SimByz.Aggregation.Rules;

/// <summary>
/// Options of <c>zeno</c>: <c>zeno:b=8,rho=0.0005,penalty=sum</c>.
/// </summary>
/// <param name="Dropped">b, the number of lowest-scored inputs dropped (Zeno accepts any 0 ≤ b &lt; n; it tolerates q ≤ b Byzantine inputs).
/// Spec key <c>b</c>; defaults to the scenario's declared q when known, otherwise required.</param>
/// <param name="Rho">ρ ≥ 0, the weight of the size penalty. Spec key <c>rho</c>, default 0.0005.</param>
/// <param name="Penalty">Which size penalty: <see cref="ZenoPenalty.Sum"/> (the paper's ‖u‖², default) or
/// <see cref="ZenoPenalty.Mean"/> (the reference code's mean of squares). Spec key <c>penalty=sum|mean</c>.</param>
public sealed record ZenoOptions(int Dropped, double Rho = ZenoOptions.DefaultRho, ZenoPenalty Penalty = ZenoPenalty.Sum)
{
    /// <summary>Default ρ.</summary>
    public const double DefaultRho = 0.0005;

    /// <summary>b.</summary>
    public int Dropped { get; } = Dropped >= 0 ? Dropped : throw new SimByzException($"zeno: b must be ≥ 0 (got {Dropped})");

    /// <summary>ρ.</summary>
    public double Rho { get; } = double.IsFinite(Rho) && Rho >= 0 ? Rho : throw new SimByzException($"zeno: rho must be a finite number ≥ 0 (got {Rho})");

    /// <summary>The canonical spec.</summary>
    public string ToSpec()
        => string.Create(CultureInfo.InvariantCulture, $"zeno:b={Dropped},rho={Rho:R},penalty={(Penalty == ZenoPenalty.Sum ? "sum" : "mean")}");
}
