namespace SimByz.Scheduler;

/// <summary>The purposes under which streams are derived; stable strings, part of the trace format.</summary>
public static class StreamPurpose
{
    public const string WorkerData = "worker.data";
    public const string WorkerCompute = "worker.compute";
    public const string WorkerNetwork = "worker.network";
    public const string WorkerAvailability = "worker.availability";
    public const string Attack = "attack";
    public const string ServerValidation = "server.validation";
    public const string Partition = "data.partition";
    public const string DataGeneration = "data.generate";
    public const string ModelInit = "model.init";
    public const string ByzantineSelection = "byzantine.select";
    public const string PreAggregation = "aggregation.pre";
    public const string AttackTiming = "attack.timing";
    public const string WorkerAugmentation = "worker.augment";

    /// <summary>Federated mode: which clients take part in each round (or fill each async slot).</summary>
    public const string ClientSampling = "client.sample";

    /// <summary>Federated mode: the seeded permutation that decides which clients are Byzantine.</summary>
    public const string ClientByzantine = "client.byzantine";

    /// <summary>Federated mode: the order of the training pool the clients' slices are cut from.</summary>
    public const string ClientPartition = "client.partition";
}
