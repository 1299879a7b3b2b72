namespace SimByz.Aggregation;

/// <summary>One message as the async server sees it.</summary>
public readonly record struct AsyncMessage(int WorkerId, long ModelVersion, long Staleness, ReadOnlyMemory<float> Payload);
