namespace SimByz.Simulator.Engine;

/// <summary>Evaluation cadence: every <paramref name="Every"/> server steps (and at step 0 and the end);
/// train loss on the first <paramref name="TrainRows"/> training examples.</summary>
public sealed record EvaluationOptions(int Every = 10, int TrainRows = 2000);
