using System.Globalization;

namespace SimByz.Aggregation.Rules;

/// <summary>Options of <c>zeno++</c> (canonical name <c>zenopp</c>): <c>zenopp:rho=0.001,eps=0.1,k=10,form=reference</c>.</summary>
/// <param name="Rho">ρ ≥ 0, weight of the ‖u‖² penalty. Spec key <c>rho</c>, default 0.001 (the reference runs use 0.001 and 0.002).</param>
/// <param name="Epsilon">ε. Spec key <c>eps</c>, default 0.1 (reference runs: 0, 0.05, 0.1, 0.15). In the reference form the
/// threshold is −γε (a tolerance); in the plain form the score must reach ε itself.</param>
/// <param name="RefreshInterval">k ≥ 1: the validation gradient is recomputed when the server version has advanced by at least k
/// since the last refresh. Spec key <c>k</c>, default 10 (the reference's <c>--zeno-delay</c>).</param>
/// <param name="Form">Which test; see <see cref="ZenoPlusPlusForm"/>. Spec key <c>form=reference|plain</c>, default reference.</param>
/// <param name="Refresh">What k counts; see <see cref="ZenoPlusPlusRefresh"/>. Spec key <c>refresh=versions|messages</c>, default versions
/// (written in the canonical spec only when not the default, so existing specs and traces keep their text).</param>
public sealed record ZenoPlusPlusOptions(double Rho = 0.001, double Epsilon = 0.1, int RefreshInterval = 10, ZenoPlusPlusForm Form = ZenoPlusPlusForm.Reference,
    ZenoPlusPlusRefresh Refresh = ZenoPlusPlusRefresh.Versions)
{
    /// <summary>ρ.</summary>
    public double Rho { get; } = double.IsFinite(Rho) && Rho >= 0 ? Rho : throw new SimByzException($"zeno++: rho must be a finite number ≥ 0 (got {Rho})");

    /// <summary>ε.</summary>
    public double Epsilon { get; } = double.IsFinite(Epsilon) ? Epsilon : throw new SimByzException($"zeno++: eps must be finite (got {Epsilon})");

    /// <summary>k.</summary>
    public int RefreshInterval { get; } = RefreshInterval >= 1 ? RefreshInterval : throw new SimByzException($"zeno++: k must be ≥ 1 (got {RefreshInterval})");

    /// <summary>The canonical spec.</summary>
    public string ToSpec()
        => string.Create(CultureInfo.InvariantCulture,
            $"{ZenoPlusPlusRule.CanonicalName}:rho={Rho:R},eps={Epsilon:R},k={RefreshInterval},form={(Form == ZenoPlusPlusForm.Reference ? "reference" : "plain")}{(Refresh == ZenoPlusPlusRefresh.Messages ? ",refresh=messages" : "")}");
}
