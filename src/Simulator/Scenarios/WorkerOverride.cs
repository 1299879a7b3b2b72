using Newtonsoft.Json.Linq;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Scenarios;

/// <summary>Other delay models for some workers (null keeps the default).</summary>
public sealed record WorkerOverride(IReadOnlyList<int> Workers, string? Compute, string? Network);
