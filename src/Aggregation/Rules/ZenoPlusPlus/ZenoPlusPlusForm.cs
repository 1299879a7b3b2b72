namespace SimByz.Aggregation.Rules;

/// <summary>The two forms of the Zeno++ test.</summary>
public enum ZenoPlusPlusForm
{
    /// <summary>
    /// The reference code's form (xcgoner/iclr2020_zeno_async, <c>train_cifar10.py</c>, <c>--byz-test zeno++</c>):
    /// u' = u·‖g_r‖/‖u‖; score = γ⟨u', g_r⟩ − ρ‖u‖² + γε (the penalty uses ‖u‖² before rescaling);
    /// accepted iff score ≥ 0, and the applied update is the rescaled u'. The default.
    /// </summary>
    Reference,

    /// <summary>The plain first-order score without rescaling: score = γ⟨g_r, u⟩ − ρ‖u‖²; accepted iff score ≥ ε; the applied update is u.</summary>
    Plain,
}
