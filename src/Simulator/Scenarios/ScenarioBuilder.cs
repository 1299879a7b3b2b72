using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Partitioning;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Tasks;

namespace SimByz.Simulator.Scenarios;

/// <summary>
/// Resolves a <see cref="Scenario"/> into a <see cref="RunSetup"/>: builds the task (data, model,
/// partition, validation and test sets) and checks every spec (delay models, attacks, defences)
/// before anything runs, so a bad scenario fails at once with the JSON path of the bad field.
/// </summary>
public static class ScenarioBuilder
{
    /// <summary>Builds and checks the run setup of <paramref name="s"/> with the built-in components on the managed backend.</summary>
    public static RunSetup Build(Scenario s, Func<string, ulong, LoadedData>? loadData = null) => Build(s, CompositionRoot.Default, loadData);

    /// <summary>Builds and checks the run setup of <paramref name="s"/>, resolving every name in
    /// <paramref name="root"/>'s catalogues; <paramref name="loadData"/> as in <see cref="TaskBuilder.Build"/>.</summary>
    /// <exception cref="SimByzException">The first bad field, with its JSON path (<see cref="SimByzException.JsonPath"/>).</exception>
    public static RunSetup Build(Scenario s, CompositionRoot root, Func<string, ulong, LoadedData>? loadData = null)
        => Build(s, root, loadData, buffers: null);

    /// <summary>As <see cref="Build(Scenario, CompositionRoot, Func{string, ulong, LoadedData}?)"/>, the setup's runs taking their
    /// message slabs from <paramref name="buffers"/> (a sweep's, shared by its setups) instead of a pool of the setup's own.</summary>
    internal static RunSetup Build(Scenario s, CompositionRoot root, Func<string, ulong, LoadedData>? loadData, RunBuffers? buffers)
    {
        ArgumentNullException.ThrowIfNull(root);
        var catalogs = root.Catalogs;
        var fed = s.Federation;
        // Federated: the task is split for one holder, whose rows (the training pool) the clients' slices are cut from.
        var byzantine = fed is null ? s.ResolveByzantine() : [false];
        var definition = At("$.task", () => new TaskDefinition(s.Task.Data, s.Task.Model, fed is null ? s.Workers.Count : 1, s.Task.Partition, s.Task.Validation, s.Task.Test, s.Seed, catalogs,
            s.Task.DataHolders, byzantine));
        var task = At("$.task", () => TaskBuilder.Build(definition, loadData, catalogs));
        if (s.Task.Augmenting.IsHorizontalFlip) At("$.task.augmentation", () => s.Task.Augmenting.SideFor(task.Train.FeatureCount));

        var compute = new DelayModelOptions[s.Workers.Count];
        var network = new DelayModelOptions[s.Workers.Count];
        var defaultCompute = At("$.workers.compute", () => DelayModelCatalog.Parse(s.Workers.Compute, catalogs.Delays));
        var defaultNetwork = At("$.workers.network", () => DelayModelCatalog.Parse(s.Workers.Network, catalogs.Delays));
        Array.Fill(compute, defaultCompute);
        Array.Fill(network, defaultNetwork);
        for (int k = 0; k < s.Workers.Overrides.Count; k++)
        {
            var o = s.Workers.Overrides[k];
            var c = o.Compute is null ? null : At($"$.workers.overrides[{k}].compute", () => DelayModelCatalog.Parse(o.Compute, catalogs.Delays));
            var n = o.Network is null ? null : At($"$.workers.overrides[{k}].network", () => DelayModelCatalog.Parse(o.Network, catalogs.Delays));
            foreach (int w in o.Workers)
            {
                if (c is not null) compute[w] = c;
                if (n is not null) network[w] = n;
            }
        }

        Engine.Federation.ClientPopulation? population = null;
        if (fed is not null)
        {
            var trace = fed.TraceFile is { } file ? At("$.federation.sampling", () => Engine.Federation.AvailabilityTrace.Load(file, fed.Clients)) : null;
            var pool = task.Shards[0].ToArray();
            RandomStreams.Derive(s.Seed, StreamPurpose.ClientPartition, 0).Shuffle(pool.AsSpan());
            population = At("$.federation", () => new Engine.Federation.ClientPopulation(fed.Clients, fed.PerRound, fed.ByzantineClients, pool, s.Seed, trace));
        }
        // n and q as a defence and an attack see them: per round in a federated run (m, and ⌈m·q/N⌉ assumed Byzantine).
        int workerCount = population?.PerRound ?? s.Workers.Count;
        int q = population?.AssumedByzantinePerRound ?? byzantine.Count(b => b);
        int byzantineWorkers = population?.ByzantineClients ?? q;
        var attackContext = new AttackBuildContext(s.Seed, q, catalogs.Aggregators);
        var attacks = catalogs.Attacks;
        Func<IGradientAttack>? attack = null;
        if (s.Byzantine.Attack is { } attackSpec)
        {
            At("$.byzantine.attack", () => attacks.CreateGradientAttack(attackSpec, attackContext).CheckTolerance(workerCount, q));
            attack = () => attacks.CreateGradientAttack(attackSpec, attackContext);
        }
        IDataAttack? dataAttack = s.Byzantine.DataAttack is { } dataSpec
            ? At("$.byzantine.dataAttack", () => attacks.CreateDataAttack(dataSpec, attackContext))
            : null;
        Func<IAsyncBehaviour>? behaviour = null;
        if (s.Byzantine.Behaviour is { } behaviourSpec)
        {
            if (s.Protocol.Kind != ProtocolKind.Async) throw SimByzException.At(null, "$.byzantine.behaviour", "timing behaviours (stale replay, delay inflation, bursts) need protocol.kind \"async\"");
            At("$.byzantine.behaviour", () => attacks.CreateAsyncBehaviour(behaviourSpec, attackContext));
            behaviour = () => attacks.CreateAsyncBehaviour(behaviourSpec, attackContext);
        }
        if (s.Task.DataHolders == DataHolders.Honest && byzantineWorkers > 0)
        {
            // Byzantine workers hold no rows: nothing may start from their own data or gradient.
            if (s.Byzantine.DataAttack is { } poisoned)
            {
                throw SimByzException.At(null, "$.byzantine.dataAttack", $"data attack '{poisoned}' poisons the Byzantine workers' data, but task.dataHolders is \"honest\" (they hold none): use dataHolders \"all\" or a gradient attack");
            }
            if (attack is not null && attacks.CreateGradientAttack(s.Byzantine.Attack!, attackContext).NeedsOwnGradients)
            {
                throw SimByzException.At(null, "$.byzantine.attack", $"attack '{s.Byzantine.Attack}' starts from each Byzantine worker's own gradient, but task.dataHolders is \"honest\" (they hold no data): use an attack on the honest gradients (e.g. sign-flip:of=mean) or dataHolders \"all\"");
            }
        }
        if (byzantineWorkers > 0 && attack is null && dataAttack is null)
        {
            throw SimByzException.At(null, fed is null ? "$.byzantine" : "$.federation.byzantine", $"{byzantineWorkers} Byzantine {(fed is null ? "workers" : "clients")} but no attack or dataAttack (use \"attack\": \"honest\" for Byzantine workers that behave honestly)");
        }

        var outages = new List<AvailabilityWindow>[s.Workers.Count];
        foreach (var a in s.Workers.Availability) (outages[a.Worker] ??= []).Add(a);
        var schedules = new AvailabilitySchedule[s.Workers.Count];
        for (int i = 0; i < schedules.Length; i++)
        {
            schedules[i] = outages[i] is { } list
                ? At($"$.workers.availability (worker {i})", () => new AvailabilitySchedule(list.OrderBy(a => a.Crash).Select(a => new Outage(a.Crash, a.Recover ?? SimTime.MaxValue)).ToList()))
                : AvailabilitySchedule.AlwaysUp;
        }

        var setup = new RunSetup
        {
            Seed = s.Seed,
            Model = task.Model,
            Train = task.Train,
            ValidationRows = task.ValidationRows.ToArray(),
            Test = task.Test,
            Shards = population is null ? task.Shards.Select(r => r.ToArray()).ToArray() : [],
            Byzantine = population is null ? byzantine : [],
            Federation = population,
            Plugins = root.Plugins,
            Defences = new DefenceResolver(catalogs.Aggregators, root.Backend, s.Protocol, s.Seed, workerCount, q,
                population is null ? "workers.count" : "federation.perRound"),
            // Federated clients all use the default models (overrides are rejected with federation).
            ComputeDelay = population is null ? i => compute[i].Build() : _ => defaultCompute.Build(),
            NetworkDelay = population is null ? i => network[i].Build() : _ => defaultNetwork.Build(),
            GradientAttack = attack,
            DataAttack = dataAttack,
            AsyncBehaviour = behaviour,
            Availability = population is null ? i => schedules[i] : null,
            Protocol = s.Protocol,
            Optimizer = s.Optimizer,
            Budget = s.Budget,
            Evaluation = s.Evaluation,
            BatchSize = s.Workers.BatchSize,
            ValidationBatchSize = s.ValidationBatch,
            Augmentation = s.Task.Augmenting,
            Buffers = buffers ?? new RunBuffers(),
        };
        setup.Validate();
        for (int k = 0; k < s.Defences.Count; k++)
        {
            string spec = s.Defences[k];
            At($"$.defences[{k}]", () => setup.Defences.Check(spec));
            if (setup.ValidationRows.Length == 0 && setup.Defences.UsesValidation(spec))
            {
                throw SimByzException.At(null, $"$.defences[{k}]",
                    $"defence '{spec}' scores messages on the server's validation set, but task.validation is 0 (no validation set): give task.validation a count or a fraction such as 0.05");
            }
        }
        return setup;
    }

    /// <summary>Runs <paramref name="build"/>, locating any user error at the JSON path it came from (a more precise inner path wins).</summary>
    private static T At<T>(string path, Func<T> build)
    {
        try
        {
            return build();
        }
        catch (SimByzException ex) when (ex.JsonPath is null)
        {
            throw ex.AtPath(path);
        }
    }

    private static void At(string path, Action build) => At(path, () => { build(); return 0; });
}
