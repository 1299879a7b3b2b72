using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;

namespace SimByz.Simulator.Engine;

/// <summary>
/// Everything one simulated training run needs, already built or as factories (what a scenario
/// resolves into through the <see cref="Composition.CompositionRoot"/>; the engine calls no catalogue
/// or registry itself): the task, the workers' shards and
/// roles, delay models, the attack, the protocol and optimizer settings. A scenario resolves into
/// one of these; every defence of the scenario runs from the same setup (same seed, so the same
/// data, timing and worker draws: every consumer's stream is derived from the seed alone).
/// </summary>
/// <remarks>Factories (delay models, attack) are called once per run, so stateful components are
/// never shared between runs (defences may run in parallel).</remarks>
public sealed class RunSetup
{
    public required ulong Seed { get; init; }

    /// <summary>Message slabs handed from one run of this setup to the next (speed only; see <see cref="RunBuffers"/>):
    /// its own by default, or one a sweep shares between its setups.</summary>
    internal RunBuffers Buffers { get; init; } = new();

    /// <summary>Builds the defences of this run (rules from the composition root's catalogue, on its backend).</summary>
    public required Composition.DefenceResolver Defences { get; init; }

    /// <summary>The plug-ins the composition root loaded (recorded in traces and summaries).</summary>
    public IReadOnlyList<Composition.PluginInfo> Plugins { get; init; } = [];

    /// <summary>Prototype model; each worker and the server get a <see cref="IModel.Clone"/>.</summary>
    public required IModel Model { get; init; }

    public required Dataset Train { get; init; }

    /// <summary>Rows of <see cref="Train"/> held by the server as its validation set (Zeno's), disjoint from every shard.
    /// Empty when the scenario has none (<c>task.validation</c> 0): no defence may then use it (the scenario builder
    /// rejects one that does), no validation batch is drawn and the validation columns of the metrics are NaN.</summary>
    public required int[] ValidationRows { get; init; }

    public required Dataset Test { get; init; }

    /// <summary>Rows of <see cref="Train"/> held by each worker.</summary>
    public required int[][] Shards { get; init; }

    /// <summary>Which workers are Byzantine.</summary>
    public required bool[] Byzantine { get; init; }

    /// <summary>Compute-latency model of worker i (a fresh instance per call).</summary>
    public required Func<int, IDelayModel> ComputeDelay { get; init; }

    /// <summary>Network-delay model of worker i (a fresh instance per call).</summary>
    public required Func<int, IDelayModel> NetworkDelay { get; init; }

    /// <summary>The gradient-level attack (fresh per run), or null: Byzantine workers then send the
    /// gradient of their own (possibly poisoned) data.</summary>
    public Func<IGradientAttack>? GradientAttack { get; init; }

    /// <summary>The data-level attack applied to Byzantine workers' labels, or null.</summary>
    public IDataAttack? DataAttack { get; init; }

    /// <summary>The asynchronous timing behaviour of Byzantine workers (stale replay, delay inflation,
    /// bursts; fresh per run), or null.</summary>
    public Func<IAsyncBehaviour>? AsyncBehaviour { get; init; }

    /// <summary>Availability (crash/recover schedule) of worker i; null: always up.</summary>
    public Func<int, IAvailabilityModel>? Availability { get; init; }

    public ProtocolOptions Protocol { get; init; } = new();

    public OptimizerOptions Optimizer { get; init; } = new();

    public BudgetOptions Budget { get; init; } = new();

    public EvaluationOptions Evaluation { get; init; } = new();

    /// <summary>Worker minibatch size.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The workers' minibatch augmentation (default none).</summary>
    public Data.Augmentation.AugmentationSpec Augmentation { get; init; } = Data.Augmentation.AugmentationSpec.None;

    /// <summary>Server validation batch size n_r (Zeno).</summary>
    public int ValidationBatchSize { get; init; } = 32;

    /// <summary>Federated mode: the N clients, of which m take part per round; null for a classic run (then
    /// <see cref="Shards"/> and <see cref="Byzantine"/> describe the workers; in a federated run both are empty).</summary>
    public Federation.ClientPopulation? Federation { get; init; }

    /// <summary>n, the workers; in a federated run m, the clients taking part per round (async: active at once).</summary>
    public int WorkerCount => Federation?.PerRound ?? Shards.Length;

    /// <summary>q, the Byzantine workers; in a federated run the number a round is assumed to hold, ⌈m·q/N⌉.</summary>
    public int ByzantineCount => Federation?.AssumedByzantinePerRound ?? Byzantine.Count(b => b);

    /// <summary>Checks internal consistency; throws <see cref="SimByzException"/> naming the problem.</summary>
    public void Validate()
    {
        if (Federation is not null)
        {
            if (Shards.Length != 0 || Byzantine.Length != 0) throw new SimByzException("a federated run takes its clients from its population: no worker shards or flags");
        }
        else
        {
            if (Shards.Length == 0) throw new SimByzException("a run needs at least one worker");
            if (Byzantine.Length != Shards.Length) throw new SimByzException($"{Byzantine.Length} Byzantine flags for {Shards.Length} workers");
            if (ByzantineCount >= Shards.Length) throw new SimByzException($"q = {ByzantineCount} Byzantine workers of n = {Shards.Length}: at least one worker must be honest (q ≤ n−1)");
            for (int i = 0; i < Shards.Length; i++)
            {
                // A Byzantine worker may hold no data (task.dataHolders honest): its rows come from the attack.
                if (Shards[i].Length == 0 && !Byzantine[i]) throw new SimByzException($"worker {i} has an empty data shard (more workers than the partition can feed)");
            }
        }
        if (BatchSize < 1) throw new SimByzException("batch size must be ≥ 1");
        if (ValidationBatchSize < 1) throw new SimByzException("validation batch size must be ≥ 1");
        if (Budget.Steps < 1 && Budget.Time is null) throw new SimByzException("the budget needs steps ≥ 1 or a time");
        if (Optimizer.LocalSteps < 1) throw new SimByzException("local steps must be ≥ 1");
        if (Protocol.Kind == ProtocolKind.Sync && Protocol.Wait == SyncWait.FirstK && Protocol.K < 1)
        {
            throw new SimByzException("protocol wait first-k needs k ≥ 1");
        }
        if (Protocol.Kind == ProtocolKind.Sync && Protocol.Wait == SyncWait.Deadline && Protocol.Deadline <= SimTime.Zero)
        {
            throw new SimByzException("protocol wait deadline needs a positive deadline");
        }
    }
}
