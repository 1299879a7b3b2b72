namespace SimByz.Cli.Progress;

/// <summary>Where an experiment stands, summed over its defences.</summary>
/// <param name="Count">Defences.</param>
/// <param name="Done">Defences finished.</param>
/// <param name="Steps">Server steps made, all defences together.</param>
/// <param name="StepBudget">Step budget per defence (0: none).</param>
/// <param name="MeanNow">Mean simulated time reached, in ns.</param>
/// <param name="TimeBudgetNs">Simulated-time budget per defence, in ns (null: none).</param>
/// <param name="Fraction">Mean fraction done over the defences, in [0, 1].</param>
internal readonly record struct ExperimentSnapshot(int Count, int Done, long Steps, long StepBudget, double MeanNow, long? TimeBudgetNs, double Fraction);
