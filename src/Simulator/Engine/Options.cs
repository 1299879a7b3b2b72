using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>Synchronous or asynchronous parameter server (DESIGN.md, protocols).</summary>
public enum ProtocolKind
{
    Sync,
    Async,
}

/// <summary>When a synchronous round aggregates.</summary>
public enum SyncWait
{
    /// <summary>When every dispatched worker's reply is in.</summary>
    All,

    /// <summary>When the first k replies are in (all of them if fewer were dispatched).</summary>
    FirstK,

    /// <summary>At round start + deadline with the replies in by then (earlier if all are in).</summary>
    Deadline,
}

/// <summary>The protocol and its knobs.</summary>
/// <param name="Kind">Sync or async.</param>
/// <param name="Wait">Sync: when a round aggregates.</param>
/// <param name="K">Sync first-k: how many replies.</param>
/// <param name="Deadline">Sync deadline: round length.</param>
/// <param name="MaxStaleness">Async: drop messages staler than this (−1: no bound).</param>
/// <param name="AsyncBuffer">Async with a synchronous rule: aggregate every this many arrived messages (the
/// "buffered" mode that lets staleness-unaware robust rules run asynchronously).</param>
/// <param name="Staleness">Async: what staleness counts (<c>protocol.staleness</c>: versions, messages or
/// time in ns); see <see cref="StalenessMeasure"/>. Default versions.</param>
public sealed record ProtocolOptions(
    ProtocolKind Kind = ProtocolKind.Sync,
    SyncWait Wait = SyncWait.All,
    int K = 0,
    SimTime Deadline = default,
    long MaxStaleness = -1,
    int AsyncBuffer = 0,
    StalenessMeasure Staleness = StalenessMeasure.Versions);

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
        LearningRateScheduleKind.Step => LearningRate * PowInt(StepFactor, (StepMilestones ?? []).Count(m => m <= step)),
        _ => throw new InvalidOperationException(Schedule.ToString()),
    };

    private static double PowInt(double x, int k)
    {
        double r = 1;
        for (int i = 0; i < k; i++) r *= x;
        return r;
    }
}

/// <summary>When a run stops: after <paramref name="Steps"/> server updates (sync: rounds), or at simulated
/// <paramref name="Time"/>, whichever comes first; <paramref name="MaxMessages"/> bounds async runs whose
/// rule rejects everything.</summary>
public sealed record BudgetOptions(long Steps = 100, SimTime? Time = null, long MaxMessages = 0);

/// <summary>Evaluation cadence: every <paramref name="Every"/> server steps (and at step 0 and the end);
/// train loss on the first <paramref name="TrainRows"/> training examples.</summary>
public sealed record EvaluationOptions(int Every = 10, int TrainRows = 2000);
