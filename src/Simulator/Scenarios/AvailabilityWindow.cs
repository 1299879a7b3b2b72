using Newtonsoft.Json.Linq;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Scenarios;

/// <summary>Worker <paramref name="Worker"/> is down from <paramref name="Crash"/> until <paramref name="Recover"/> (for good when null).</summary>
public sealed record AvailabilityWindow(int Worker, SimTime Crash, SimTime? Recover);
