namespace SimByz.Simulator.Engine;

/// <summary>Server optimizer: x ← x − γ_t·(m), m = μ·m + (Aggr + λ·x) (heavy-ball momentum μ, weight decay λ).</summary>
/// <param name="LearningRate">γ.</param>
/// <param name="Schedule">Schedule kind.</param>
/// <param name="StepFactor">Step schedule: multiplier at each milestone.</param>
/// <param name="StepMilestones">Step schedule: server steps at which γ is multiplied.</param>
/// <param name="Momentum">Server momentum μ (0: none).</param>
/// <param name="WeightDecay">λ, added to the aggregate as λ·x.</param>
/// <param name="WorkerMomentum">Worker-side momentum β: an honest worker sends m_i ← β·m_i + g_i (Karimireddy et al. 2021); 0: plain gradients.</param>
/// <param name="LocalSteps">K ≥ 1: an honest worker takes K local SGD steps and sends (x_read − x_K)/γ, so that applying it reproduces local SGD.</param>
public sealed record OptimizerOptions(
    double LearningRate = 0.1,
    LearningRateScheduleKind Schedule = LearningRateScheduleKind.Constant,
    double StepFactor = 0.1,
    long[]? StepMilestones = null,
    double Momentum = 0,
    double WeightDecay = 0,
    double WorkerMomentum = 0,
    int LocalSteps = 1)
{
    /// <summary>γ_t at server step <paramref name="step"/>.</summary>
    public double LearningRateAt(long step) => Schedule switch
    {
        LearningRateScheduleKind.Constant => LearningRate,
        LearningRateScheduleKind.InverseSqrt => LearningRate / Math.Sqrt(step + 1.0),
        LearningRateScheduleKind.Step => LearningRate * PowInt(StepFactor, MilestonesPassed(step)),
        _ => throw new InvalidOperationException(Schedule.ToString()),
    };

    /// <summary>How many milestones are ≤ <paramref name="step"/> (a loop, not a lambda: called every step, it must not allocate).</summary>
    private int MilestonesPassed(long step)
    {
        int passed = 0;
        if (StepMilestones is { } milestones)
        {
            foreach (var m in milestones) if (m <= step) passed++;
        }
        return passed;
    }

    private static double PowInt(double x, int k)
    {
        double r = 1;
        for (int i = 0; i < k; i++) r *= x;
        return r;
    }
}
