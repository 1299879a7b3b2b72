using SimByz.Scheduler;

namespace SimByz.Simulator.Output;

/// <summary>Where one defence's run stands: its index in the scenario's defences, the server steps made, the
/// simulated time reached, and whether it has finished.</summary>
/// <remarks>Reported from the thread that runs the defence; observing it changes nothing in the run.</remarks>
public readonly record struct DefenceProgress(int Defence, long Steps, SimTime Now, bool Done = false);
