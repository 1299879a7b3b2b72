namespace SimByz.Simulator.Engine;

/// <summary>Learning-rate schedule γ_t as a function of the server step t (0-based).</summary>
public enum LearningRateScheduleKind
{
    /// <summary>γ_t = γ.</summary>
    Constant,

    /// <summary>γ_t = γ · factor^(number of milestones ≤ t).</summary>
    Step,

    /// <summary>γ_t = γ / √(t + 1).</summary>
    InverseSqrt,
}
