using SimByz.Simulator.Scenarios;

namespace SimByz.Simulator.Output;

/// <summary>Receives the progress of experiments run one after another (the settings of a reproduction, say), to
/// show it; implementations must accept reports from several threads at once.</summary>
public interface IExperimentProgress
{
    /// <summary>An experiment of <paramref name="scenario"/> starts; the returned callback receives its defences' progress.</summary>
    Action<DefenceProgress> Start(string label, Scenario scenario);

    /// <summary>The experiment started last has finished (or failed).</summary>
    void Finish();
}
