namespace SimByz.Simulator.Scenarios;

/// <summary>
/// Every field of a scenario file and of a sweep-grid file, with type, range, default and meaning: what
/// <c>simbyz list fields</c> prints and what <c>simbyz schema</c> turns into JSON Schemas.
/// </summary>
/// <remarks>The loaders (<see cref="ScenarioLoader"/>, the sweep grid reader) validate the same fields; a test asks each
/// loader which fields it accepts (from its unknown-field error) and checks that this table lists exactly those.</remarks>
public static class ScenarioFields
{
    /// <summary>The fields of a scenario, in file order.</summary>
    public static IReadOnlyList<FieldDoc> Scenario { get; } =
    [
        new("$schema", "string", "", "none", "JSON Schema for editors (simbyz schema); ignored by SimByz"),
        new("name", "string", "", "unnamed", "scenario name: run folders, figure titles"),
        new("description", "string", "", "\"\"", "free text shown by run and list (not after --set overrides, when it may no longer apply)"),
        new("seed", "integer", "[0, 2^64)", "1", "root seed: every random stream derives from it"),
        new("plugins", "string[]", "paths of .dll files", "[]", "plug-in assemblies whose components the scenario uses (relative to the file)"),
        new("timings", "string|object", "a CSV file, or {file, onEnd: loop|error}", "none", "per-worker compute/network times from a timing CSV beside the file (run, sweep)"),
        new("task.data", "spec", "simbyz list tasks", "gaussian-mixture", "data source"),
        new("task.model", "spec", "simbyz list tasks", "softmax", "model trained"),
        new("task.partition", "spec", "iid, dirichlet:alpha=…, shards:k=…", "iid", "how training rows are split over the workers"),
        new("task.validation", "split", "count ≥ 0 or fraction in (0, 1)", "1000", "validation rows kept apart (Zeno's, Zeno++'s and AFLGuard's data); 0: none, allowed when no defence needs it"),
        new("task.test", "split", "count ≥ 0 or fraction in (0, 1)", "0", "test rows; 0 uses the data source's own test set"),
        new("task.dataHolders", "choice", "", "all", "which workers the training rows are split among: every worker, or the honest ones only (ByzFL; Byzantine workers hold no data)", ["all", "honest"]),
        new("task.augmentation", "spec", "none, hflip (options p=0.5, channels=k)", "none", "workers' minibatch augmentation: hflip mirrors each image left–right with probability p (worker stream worker.augment)"),
        new("workers.count", "integer", "[1, 100000]", "10", "n, the number of workers"),
        new("workers.batchSize", "integer", "≥ 1", "32", "minibatch size of every worker"),
        new("workers.compute", "spec", "simbyz list delays", "constant:t=10ms", "compute latency model of every worker"),
        new("workers.network", "spec", "simbyz list delays", "constant:t=1ms", "network delay model of every worker"),
        new("workers.overrides", "object[]", "", "[]", "other delay models for some workers"),
        new("workers.overrides[].workers", "integer[]", "worker ids in [0, count−1], at least one", "required", "the workers this override applies to"),
        new("workers.overrides[].compute", "spec", "simbyz list delays", "none", "their compute model (none keeps the default)"),
        new("workers.overrides[].network", "spec", "simbyz list delays", "none", "their network model (none keeps the default)"),
        new("workers.availability", "object[]", "", "[]", "crash windows"),
        new("workers.availability[].worker", "integer", "[0, count−1]", "required", "the worker that crashes"),
        new("workers.availability[].crash", "duration", "≥ 0", "required", "when it goes down"),
        new("workers.availability[].recover", "duration", "> crash", "none (never)", "when it comes back"),
        new("federation.clients", "integer", "[1, 10000000]", "required with federation", "N, the number of clients: a federation section turns the workers into N clients, m of them per round (docs/SCENARIOS.md, Federated clients; workers.count is then unused)"),
        new("federation.perRound", "integer", "[1, min(clients, 100000)]", "required with federation", "m, the clients sampled per round (async: active at once)"),
        new("federation.sampling", "string", "uniform, availability:file=PATH (a CSV client,from,to)", "uniform", "how clients are sampled: uniformly without replacement, or among those an availability trace says are up"),
        new("federation.byzantine", "split", "count in [0, clients−1] or fraction in (0, 1)", "0", "the Byzantine clients (a fixed set chosen by seed; byzantine.count is then unused)"),
        new("byzantine.count", "integer", "[0, count−1]", "0", "q, the number of Byzantine workers"),
        new("byzantine.select", "choice", "", "first", "which workers are Byzantine: the first q, q at random by seed, or explicit ids", ["first", "random", "explicit"]),
        new("byzantine.ids", "integer[]", "worker ids, only with select explicit", "[]", "the Byzantine workers"),
        new("byzantine.attack", "spec", "simbyz list attacks", "none", "gradient attack (\"honest\": Byzantine workers behave honestly)"),
        new("byzantine.dataAttack", "spec", "simbyz list attacks", "none", "data attack (label flip, …), before the gradient attack"),
        new("byzantine.behaviour", "spec", "simbyz list attacks; async only", "none", "timing behaviour: stale replay, delay inflation, bursts"),
        new("protocol.kind", "choice", "", "sync", "synchronous rounds or asynchronous workers", ["sync", "async"]),
        new("protocol.wait", "choice", "sync only", "all", "when a round aggregates: every reply, the first k, or at a deadline", ["all", "first-k", "deadline"]),
        new("protocol.k", "integer", "[0, count]; ≥ 1 with wait first-k", "0", "replies a first-k round waits for"),
        new("protocol.deadline", "duration", "> 0 with wait deadline", "0", "round length with wait deadline; later replies are dropped"),
        new("protocol.maxStaleness", "integer", "≥ −1; async only", "−1 (none)", "async messages staler than this many versions are dropped"),
        new("protocol.staleness", "string", "versions | messages | time; async only", "versions", "what staleness counts: server versions, messages received, or simulated ns since the read"),
        new("protocol.asyncBuffer", "integer", "[0, 100000]; async only", "0", "synchronous rules in an async run aggregate every m arrived messages"),
        new("optimizer.learningRate", "number", "(0, 1e6]", "0.1", "γ, the server learning rate"),
        new("optimizer.schedule", "choice", "", "constant", "learning-rate schedule", ["constant", "step", "inverse-sqrt"]),
        new("optimizer.stepFactor", "number", "[0, 1e6]; schedule step", "0.1", "factor applied at each milestone"),
        new("optimizer.milestones", "integer[]", "steps ≥ 0; schedule step", "[]", "steps at which γ is multiplied by stepFactor"),
        new("optimizer.momentum", "number", "[0, 1]", "0", "server momentum"),
        new("optimizer.weightDecay", "number", "[0, 1e6]", "0", "server weight decay"),
        new("optimizer.workerMomentum", "number", "[0, 1]", "0", "honest workers send their momentum m ← β·m + g"),
        new("optimizer.localSteps", "integer", "[1, 100000]", "1", "local SGD steps per message"),
        new("defences", "string[]", "simbyz list aggregators; distinct", "[mean] (sync) or [async-sgd] (async)", "the defences compared under identical seeds and timing"),
        new("validationBatch", "integer", "≥ 1", "32", "validation rows per Zeno/Zeno++ score"),
        new("budget.steps", "integer", "≥ 0", "100", "server steps per defence (0: only the time budget)"),
        new("budget.time", "duration", "≥ 0", "none", "simulated-time budget per defence"),
        new("budget.maxMessages", "integer", "≥ 0", "0 (automatic)", "cap on messages sent"),
        new("evaluation.every", "integer", "≥ 0", "10", "evaluate every this many server steps (and at the start and end)"),
        new("evaluation.trainRows", "integer", "≥ 0", "2000", "training rows the training loss is measured on"),
    ];

    /// <summary>The fields of a sweep grid, in file order.</summary>
    public static IReadOnlyList<FieldDoc> Grid { get; } =
    [
        new("$schema", "string", "", "none", "JSON Schema for editors (simbyz schema); ignored by SimByz"),
        new("name", "string", "", "the file name", "grid name"),
        new("description", "string", "", "\"\"", "free text"),
        new("base", "string|object", "a built-in scenario, a scenario file (relative to the grid) or an inline scenario", "default", "the scenario every cell starts from"),
        new("set", "string[]", "key.path=value", "[]", "overrides applied to the base, as run --set"),
        new("plugins", "string[]", "paths of .dll files", "[]", "plug-in assemblies the cells use (relative to the grid)"),
        new("axes.defences", "string[]", "simbyz list aggregators", "the base's defences", "defences compared in every cell"),
        new("axes.attacks", "string[]", "attack specs, \"none\", or data attacks", "the base's attack", "one row of cells per attack"),
        new("axes.q", "integer[]", "[0, workers.count−1]", "the base's byzantine.count", "Byzantine counts"),
        new("axes.delays", "string[]", "simbyz list delays", "the base's workers.compute", "compute delay models"),
        new("axes.seeds", "integer[]", "≥ 0", "the base's seed", "root seeds (repetitions)"),
        new("axes.<scenario path>", "value[]", "any field --set accepts; \"a+b\" links fields (values are tuples)", "—", "any scenario field varied as an axis, e.g. \"task.partition\" or \"q+defences\" (docs/SWEEPS.md)"),
    ];
}
