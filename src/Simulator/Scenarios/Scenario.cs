using Newtonsoft.Json.Linq;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Partitioning;
using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Scenarios;

/// <summary>
/// One experiment, as a scenario JSON file describes it (docs/SCENARIOS.md): the task, the workers,
/// which of them are Byzantine and how they attack, the protocol and optimizer, the defences to
/// compare under identical seeds and timing, the budget and the evaluation cadence.
/// </summary>
/// <remarks>Immutable; validated on parsing (<see cref="ScenarioLoader"/>). <see cref="ToJson"/> gives
/// the fully resolved form (every default filled in) that traces and summaries record.</remarks>
public sealed record Scenario
{
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    public ulong Seed { get; init; }
    public required TaskSection Task { get; init; }
    public required WorkersSection Workers { get; init; }
    public required ByzantineSection Byzantine { get; init; }
    public required ProtocolOptions Protocol { get; init; }
    public required OptimizerOptions Optimizer { get; init; }
    public required IReadOnlyList<string> Defences { get; init; }
    public int ValidationBatch { get; init; } = 32;
    public required BudgetOptions Budget { get; init; }
    public required EvaluationOptions Evaluation { get; init; }

    /// <summary>Plug-in assemblies whose components the scenario uses (absolute paths; <c>"plugins"</c>,
    /// relative to the scenario file). Empty for most scenarios, and then absent from <see cref="ToJson"/>.</summary>
    public IReadOnlyList<string> Plugins { get; init; } = [];

    /// <summary>Federated mode: N clients of which m take part per round; null for a classic run (and then absent from <see cref="ToJson"/>).</summary>
    public FederationSection? Federation { get; init; }

    /// <summary>The fully resolved scenario as JSON (fields in a fixed order; <c>plugins</c> last and only when there are any).</summary>
    public JObject ToJson()
    {
        var json = CoreJson();
        // Written only when not the default, so scenario files and traces of existing runs keep their bytes.
        if (Protocol.Staleness != StalenessMeasure.Versions)
        {
            ((JObject)json["protocol"]!).Add(new JProperty("staleness", Protocol.Staleness == StalenessMeasure.Messages ? "messages" : "time"));
        }
        var task = (JObject)json["task"]!;
        if (Task.DataHolders != DataHolders.All) task.Add(new JProperty("dataHolders", "honest"));
        if (Task.Augmenting.IsHorizontalFlip) task.Add(new JProperty("augmentation", Task.Augmenting.ToString()));
        if (Federation is { } f)
        {
            // After "workers", the section it changes; written only when present, so classic scenarios keep their bytes.
            json.Property("workers")!.AddAfterSelf(new JProperty("federation", new JObject(
                new JProperty("clients", f.Clients),
                new JProperty("perRound", f.PerRound),
                new JProperty("sampling", f.Sampling),
                new JProperty("byzantine", SplitJson(f.Byzantine)))));
        }
        if (Plugins.Count > 0) json.Add(new JProperty("plugins", new JArray(Plugins)));
        return json;
    }

    private JObject CoreJson() => new(
        new JProperty("name", Name),
        new JProperty("description", Description),
        new JProperty("seed", Seed),
        new JProperty("task", new JObject(
            new JProperty("data", Task.Data),
            new JProperty("model", Task.Model),
            new JProperty("partition", Task.Partition),
            new JProperty("validation", SplitJson(Task.Validation)),
            new JProperty("test", SplitJson(Task.Test)))),
        new JProperty("workers", new JObject(
            new JProperty("count", Workers.Count),
            new JProperty("batchSize", Workers.BatchSize),
            new JProperty("compute", Workers.Compute),
            new JProperty("network", Workers.Network),
            new JProperty("overrides", new JArray(Workers.Overrides.Select(o => new JObject(
                new JProperty("workers", new JArray(o.Workers)),
                new JProperty("compute", o.Compute),
                new JProperty("network", o.Network))))),
            new JProperty("availability", new JArray(Workers.Availability.Select(a => new JObject(
                new JProperty("worker", a.Worker),
                new JProperty("crash", a.Crash.ToString()),
                new JProperty("recover", a.Recover?.ToString()))))))),
        new JProperty("byzantine", new JObject(
            new JProperty("count", Byzantine.Count),
            new JProperty("select", Byzantine.Select),
            new JProperty("ids", new JArray(Byzantine.Ids)),
            new JProperty("attack", Byzantine.Attack),
            new JProperty("dataAttack", Byzantine.DataAttack),
            new JProperty("behaviour", Byzantine.Behaviour))),
        new JProperty("protocol", new JObject(
            new JProperty("kind", Protocol.Kind == ProtocolKind.Sync ? "sync" : "async"),
            new JProperty("wait", Protocol.Wait switch { SyncWait.All => "all", SyncWait.FirstK => "first-k", _ => "deadline" }),
            new JProperty("k", Protocol.K),
            new JProperty("deadline", Protocol.Deadline.ToString()),
            new JProperty("maxStaleness", Protocol.MaxStaleness),
            new JProperty("asyncBuffer", Protocol.AsyncBuffer))),
        new JProperty("optimizer", new JObject(
            new JProperty("learningRate", Optimizer.LearningRate),
            new JProperty("schedule", Optimizer.Schedule switch
            {
                LearningRateScheduleKind.Constant => "constant",
                LearningRateScheduleKind.Step => "step",
                _ => "inverse-sqrt",
            }),
            new JProperty("stepFactor", Optimizer.StepFactor),
            new JProperty("milestones", new JArray(Optimizer.StepMilestones ?? [])),
            new JProperty("momentum", Optimizer.Momentum),
            new JProperty("weightDecay", Optimizer.WeightDecay),
            new JProperty("workerMomentum", Optimizer.WorkerMomentum),
            new JProperty("localSteps", Optimizer.LocalSteps))),
        new JProperty("defences", new JArray(Defences)),
        new JProperty("validationBatch", ValidationBatch),
        new JProperty("budget", new JObject(
            new JProperty("steps", Budget.Steps),
            new JProperty("time", Budget.Time?.ToString()),
            new JProperty("maxMessages", Budget.MaxMessages))),
        new JProperty("evaluation", new JObject(
            new JProperty("every", Evaluation.Every),
            new JProperty("trainRows", Evaluation.TrainRows))));

    private static JToken SplitJson(SplitSize s) => s.Fraction > 0 ? new JValue(s.Fraction) : new JValue(s.Count);

    /// <summary>The Byzantine flags for this scenario's workers (first q, seeded random q, or explicit ids).</summary>
    public bool[] ResolveByzantine()
    {
        var flags = new bool[Workers.Count];
        switch (Byzantine.Select)
        {
            case "first":
                for (int i = 0; i < Byzantine.Count; i++) flags[i] = true;
                break;
            case "random":
                var ids = new int[Workers.Count];
                for (int i = 0; i < ids.Length; i++) ids[i] = i;
                RandomStreams.Derive(Seed, StreamPurpose.ByzantineSelection, 0).Shuffle(ids.AsSpan());
                for (int i = 0; i < Byzantine.Count; i++) flags[ids[i]] = true;
                break;
            default:
                foreach (int id in Byzantine.Ids) flags[id] = true;
                break;
        }
        return flags;
    }
}
