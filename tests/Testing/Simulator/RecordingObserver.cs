using SimByz.Aggregation;
using SimByz.Scheduler;
using SimByz.Simulator.Engine;

namespace SimByz.Testing.Simulator;

/// <summary>Records what a run reports, for invariant checks in tests.</summary>
public sealed class RecordingObserver : ISimulationObserver
{
    public List<SimTime> Times { get; } = [];
    public List<MessageInfo> DispatchedMessages { get; } = [];
    public List<(MessageInfo Message, long ServerVersion)> Arrivals { get; } = [];
    public Dictionary<long, int> ResolutionCount { get; } = [];
    public List<(long Round, int Inputs)> Aggregations { get; } = [];
    public List<long> Versions { get; } = [];

    public void Dispatched(SimTime time, long sequence, MessageInfo message)
    {
        Times.Add(time);
        DispatchedMessages.Add(message);
    }

    public void ComputeCompleted(SimTime time, long sequence, MessageInfo message) => Times.Add(time);

    public void Arrived(SimTime time, long sequence, MessageInfo message, ReadOnlySpan<float> payload, long serverVersion)
    {
        Times.Add(time);
        Arrivals.Add((message, serverVersion));
    }

    public void Resolved(SimTime time, MessageInfo message)
    {
        Times.Add(time);
        ResolutionCount[message.Id] = ResolutionCount.GetValueOrDefault(message.Id) + 1;
    }

    public void Aggregated(SimTime time, long round, IReadOnlyList<MessageInfo> inputs, AggregationDiagnostics diagnostics)
        => Aggregations.Add((round, inputs.Count));

    public void ModelUpdated(SimTime time, long version, ReadOnlySpan<float> parameters) => Versions.Add(version);
}
