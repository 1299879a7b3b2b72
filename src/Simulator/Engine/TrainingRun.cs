using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;

namespace SimByz.Simulator.Engine;

/// <summary>
/// One defence's simulated training run on the discrete-event scheduler, synchronous or
/// asynchronous (DESIGN.md, Workers and server; Synchronous and Asynchronous protocol).
/// </summary>
/// <remarks>
/// <para><b>Synchronous.</b> Round r starts when round r−1 aggregates. Every worker that is up reads
/// x_r; honest workers compute their message then (eagerly: the values do not depend on when the
/// event fires); the omniscient attack then crafts the Byzantine rows from all honest messages of
/// the round. Each message arrives after compute latency + network delay. The round aggregates when
/// all dispatched messages are in (<see cref="SyncWait.All"/>), the first k (<see cref="SyncWait.FirstK"/>),
/// or at the deadline (<see cref="SyncWait.Deadline"/>); replies arriving after their round closed
/// are dropped as late. Inputs are aggregated in arrival order.</para>
/// <para><b>Asynchronous.</b> Each worker loops: read x (version v), compute, send, and start again
/// at once. A message arriving at server version v′ has staleness v′ − v. An async rule (async SGD,
/// Zeno++) decides per message; a synchronous rule runs in buffered mode, aggregating every
/// <see cref="ProtocolOptions.AsyncBuffer"/> arrived messages. Messages staler than
/// <see cref="ProtocolOptions.MaxStaleness"/> are dropped. A Byzantine message is crafted when its
/// worker reads the model, from the latest message of every honest worker.</para>
/// <para>Event priorities at equal times: compute completion (1) before arrival (2) before a
/// deadline (3); then scheduling order. Every message ends exactly once as applied, rejected or
/// dropped; messages still in flight when the run ends are dropped with reason "run ended".</para>
/// <para>Deterministic: all randomness comes from streams derived from <see cref="RunSetup.Seed"/>.
/// Not thread-safe; distinct runs may execute in parallel.</para>
/// <para>This type resolves the run's components and drives the event loop; the protocol (one type
/// per kind), the parameter server and the message ledger it builds do the rest.</para>
/// </remarks>
public sealed class TrainingRun
{
    private readonly RunSetup _setup;
    private readonly string _defence;
    private readonly IAggregator? _rule;
    private readonly IAggregator? _ruleAsAttackerSeesIt;
    private readonly IAsyncAggregator? _asyncRule;
    private readonly IGradientAttack? _attack;
    private readonly bool _omit;
    private readonly IAsyncBehaviour? _behaviour;
    private readonly IAvailabilityModel[] _availability;
    private readonly IReadOnlyList<ISimulationObserver> _observers;
    private readonly Simulation<EngineEvent> _sim = new(256);
    private readonly MessageLedger _ledger;
    private readonly ParameterServer _server;
    private readonly WorkerFleet _fleet;
    private readonly IProtocol _protocol;
    private readonly ByzantineCrafter _crafter;
    private readonly Action<ScheduledEvent<EngineEvent>> _handle; // one delegate for every event (a method group would allocate one per event)

    /// <summary>Prepares a run of <paramref name="defenceSpec"/> (a synchronous rule spec, or for async
    /// runs an async rule spec such as <c>zeno++</c> or a synchronous rule in buffered mode).</summary>
    /// <param name="setup">The run's setup.</param>
    /// <param name="defenceSpec">The defence.</param>
    /// <param name="observers">Told of everything the run does (traces, metrics files, checks); they see every evaluation point.</param>
    /// <param name="keptRows">How many evaluation points <see cref="Rows"/> and <see cref="RunResult.Rows"/> keep (≥ 2): all of them
    /// by default; fewer makes the run's memory independent of its length: the first point, every k-th and the last are kept, k a power
    /// of two doubled whenever the sample would pass <paramref name="keptRows"/> (enough for a plot; observers get every point).</param>
    public TrainingRun(RunSetup setup, string defenceSpec, IReadOnlyList<ISimulationObserver>? observers = null, int keptRows = int.MaxValue)
        : this(setup, defenceSpec, observers, keptRows, inPlaceRounds: true)
    {
    }

    /// <summary>As the public constructor; <paramref name="inPlaceRounds"/> false makes a synchronous run give each message a
    /// pooled vector of its own and copy the rows for the attack and the rule (the path every round took before the
    /// payloads became the rows of a <see cref="PayloadSlab"/>): for tests that check both paths give the same bytes.
    /// <paramref name="asyncPipeline"/>: an asynchronous run computes honest messages on helper threads (<see cref="GradientPipeline"/>)
    /// or not; null chooses (more than one thread and a model that allows it); tests compare both.</summary>
    internal TrainingRun(RunSetup setup, string defenceSpec, IReadOnlyList<ISimulationObserver>? observers, int keptRows, bool inPlaceRounds, bool? asyncPipeline = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keptRows, 2);
        setup.Validate();
        _setup = setup;
        _defence = defenceSpec;
        _observers = observers ?? [];
        (_rule, _asyncRule) = CreateDefence(setup, defenceSpec);
        try
        {
            // Adaptive attacks probe the defence by running it: they get their own instance, so their
            // trial aggregations never advance the server's stateful rules (centered clipping, bucketing).
            _ruleAsAttackerSeesIt = _rule is null ? null : CreateDefence(setup, defenceSpec).Rule;
            _attack = setup.GradientAttack?.Invoke();
            _omit = _attack?.IsOmission == true;
            _behaviour = setup.Protocol.Kind == ProtocolKind.Async ? setup.AsyncBehaviour?.Invoke() : null;
            var attackRng = RandomStreams.Derive(setup.Seed, StreamPurpose.Attack, 0);

            // Only the asynchronous omniscient attack reads the workers' latest honest messages, and only if it reads honest rows.
            bool keepLatest = setup.Protocol.Kind == ProtocolKind.Async && ByzantineCrafter.ReadsHonestRows(_attack);
            Dataset? poisoned = null;
            IModel prototype = setup.Model.CloneForRun();
            _ledger = new MessageLedger(setup.Model.ParameterCount, _sim, _observers, setup.Buffers);
            if (setup.Federation is not null)
            {
                // Clients are made when sampled; their models are cloned (after the server's) as more become active at once.
                _availability = [];
                _server = new ParameterServer(setup, defenceSpec, _rule, _asyncRule, prototype, Math.Max(0, _behaviour?.HistoryDepth ?? 0),
                    _ledger, _sim, _observers, keptRows);
                var clients = new Federation.ClientFactory(setup, setup.Train, () => poisoned ??= Poison(setup.Train, setup.DataAttack!), prototype, keepLatest);
                _fleet = new WorkerFleet(clients, _omit, _ledger, _sim, _observers);
            }
            else
            {
                _availability = new IAvailabilityModel[setup.WorkerCount];
                for (int i = 0; i < _availability.Length; i++) _availability[i] = setup.Availability?.Invoke(i) ?? AvailabilitySchedule.AlwaysUp;
                var workers = new Worker[setup.WorkerCount];
                for (int i = 0; i < workers.Length; i++)
                {
                    Dataset data = setup.Train;
                    if (setup.Byzantine[i] && setup.DataAttack is not null)
                    {
                        poisoned ??= Poison(setup.Train, setup.DataAttack);
                        data = poisoned;
                    }
                    workers[i] = new Worker(i, setup.Byzantine[i], setup, data, prototype, keepLatest: keepLatest && !setup.Byzantine[i]);
                }
                // Built after the workers so that the server's validation and evaluation models stay the
                // prototype's last two clones: torch models seed each clone by its rank, so the order shows in results.
                _server = new ParameterServer(setup, defenceSpec, _rule, _asyncRule, prototype, Math.Max(0, _behaviour?.HistoryDepth ?? 0),
                    _ledger, _sim, _observers, keptRows);
                _fleet = new WorkerFleet(workers, _availability, _omit, _ledger, _sim, _observers);
            }
            var crafter = _crafter = new ByzantineCrafter(_attack, _ruleAsAttackerSeesIt, attackRng, _server, setup.ByzantineCount, setup.WorkerCount);
            _handle = Handle;
            _protocol = setup.Protocol.Kind == ProtocolKind.Sync
                ? new SyncProtocol(_sim, _server, _ledger, _fleet, crafter, setup.Protocol, setup.Optimizer, parallelWorkers: prototype.SupportsParallelRuns, inPlaceRounds)
                : new AsyncProtocol(_sim, _server, _ledger, _fleet, crafter, setup.Protocol, setup.Optimizer, _behaviour, setup.Seed,
                    pipeline: asyncPipeline ?? GradientPipeline.Applies(prototype.SupportsParallelRuns));
        }
        catch
        {
            // A run that could not be built owns its rules all the same: free them (the torch backend's native memory).
            DisposeRules();
            throw;
        }
    }

    /// <summary>Builds the defence through the setup's resolver (the composition root's catalogue and backend).</summary>
    private static (IAggregator? Rule, IAsyncAggregator? AsyncRule) CreateDefence(RunSetup setup, string spec)
    {
        var defence = setup.Defences.Create(spec);
        return (defence.Rule, defence.AsyncRule);
    }

    /// <summary>Throws <see cref="SimByzException"/> if <paramref name="spec"/> is not a valid defence for <paramref name="setup"/>.</summary>
    public static void CheckDefence(RunSetup setup, string spec) => setup.Defences.Check(spec);

    /// <summary>The defence spec this run uses.</summary>
    public string Defence => _defence;

    /// <summary>The server model (live during the run, final after it).</summary>
    public ReadOnlySpan<float> Parameters => _server.Parameters;

    /// <summary>Evaluation points so far: all of them, or with <c>keptRows</c> a bounded sample (see the constructor).</summary>
    public IReadOnlyList<MetricsRow> Rows => _server.Rows;

    /// <summary>Messages sent so far.</summary>
    public long MessagesSent => _ledger.Count;

    /// <summary>Server steps so far: sync rounds closed (a round whose replies all missed the deadline or
    /// were lost to crashes leaves the model unchanged but still counts), async applied updates.</summary>
    public long Steps => _server.Step;

    public SimTime Now => _sim.Now;

    /// <summary>Federated: the client model instances made so far (the most clients active at once); 0 in a classic run.</summary>
    internal int ClientModelsMade => _fleet.Federated?.ModelsMade ?? 0;

    public long EventsProcessed => _sim.EventsProcessed;

    /// <summary>Aggregations whose rule read the round's payload rows in place (no copy; see <see cref="PayloadSlab"/>).</summary>
    internal long InPlaceAggregations => _server.InPlaceAggregations;

    /// <summary>Payload slabs the run made (synchronous rounds; a slab is reused once its round's messages are resolved or detached).</summary>
    internal int SlabsCreated => _ledger.SlabsCreated;

    /// <summary>Craftings whose attack wrote the Byzantine rows in place (see <see cref="ByzantineCrafter.CraftRound"/>).</summary>
    internal long InPlaceCraftings => _crafter.InPlaceCraftings;

    /// <summary>Asynchronous: messages computed on helper threads (<see cref="GradientPipeline"/>).</summary>
    internal long PipelinedMessages => (_protocol as AsyncProtocol)?.PipelinedMessages ?? 0;

    /// <summary>Asynchronous: messages helper threads computed (<see cref="GradientPipeline"/>).</summary>
    internal long ComputedByHelpers => (_protocol as AsyncProtocol)?.ComputedByHelpers ?? 0;

    /// <summary>Asynchronous: computations not yet waited for (0 once <see cref="Run"/> has returned or thrown).</summary>
    internal int OutstandingComputations => (_protocol as AsyncProtocol)?.OutstandingComputations ?? 0;

    /// <summary>Runs to the budget; <paramref name="progress"/> gets the step count after each step.</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellation"/> fires (checked every 1024 events).</exception>
    /// <exception cref="ClockStalledException">The run can end only when the clock reaches its time budget, and the clock stopped advancing (see <see cref="StallLimit"/>).</exception>
    public RunResult Run(Action<long>? progress = null, CancellationToken cancellation = default)
    {
        try
        {
            return RunToBudget(progress, cancellation);
        }
        catch
        {
            // On an error or a cancellation, no helper thread may still be writing into this run's buffers.
            _protocol.WaitForComputations(rethrow: false);
            throw;
        }
        finally
        {
            // Rules holding native memory (the torch backend's staging tensor) free it now, not at finalization:
            // a sweep's runs would otherwise hold theirs until the collector runs. They stay usable if run again.
            DisposeRules();
            // No helper thread writes into the slabs any more (waited for above, or at the end of RunToBudget): the
            // next run of this setup takes their matrices instead of new ones (RunBuffers).
            _ledger.ReleaseSlabs();
        }
    }

    private void DisposeRules()
    {
        (_rule as IDisposable)?.Dispose();
        (_ruleAsAttackerSeesIt as IDisposable)?.Dispose();
        (_asyncRule as IDisposable)?.Dispose();
    }

    private RunResult RunToBudget(Action<long>? progress, CancellationToken cancellation)
    {
        _server.Evaluate();
        _protocol.Start();
        long lastReported = -1;
        SimTime end = _setup.Budget.Time ?? SimTime.MaxValue;
        long maxMessages = MessageCap(_setup.Budget, _setup.WorkerCount);
        // Without a message cap, a time budget is what ends the run (with the step budget, if any): the
        // clock, or the server's step, must move. See StallLimit for why this many events prove a stall.
        bool stallMatters = maxMessages == long.MaxValue;
        long stallLimit = StallLimit(_setup.WorkerCount, _behaviour?.BurstSize ?? 1);
        SimTime instant = _sim.Now;
        long stepAtInstant = _server.Step, eventsAtInstant = 0;
        string stop = "no worker can send";
        while (true)
        {
            if (_protocol.Finished) { stop = _setup.Budget.Steps > 0 && _server.Step >= _setup.Budget.Steps ? "steps" : stop; break; }
            if (!_sim.TryPeekTime(out var next)) { stop = "no pending event"; break; }
            if (next > end) { stop = "time"; break; }
            if (_ledger.Count > maxMessages) { stop = "message cap"; break; }
            if ((_sim.EventsProcessed & 1023) == 0) cancellation.ThrowIfCancellationRequested();
            _sim.Step(_handle);
            if (stallMatters)
            {
                if (_sim.Now != instant || (_setup.Budget.Steps > 0 && _server.Step != stepAtInstant))
                {
                    instant = _sim.Now;
                    stepAtInstant = _server.Step;
                    eventsAtInstant = 0;
                }
                else if (++eventsAtInstant > stallLimit)
                {
                    throw new ClockStalledException(_sim.Now, eventsAtInstant, _setup.Budget);
                }
            }
            if (progress is not null && _server.Step != lastReported)
            {
                lastReported = _server.Step;
                progress(_server.Step);
            }
        }
        _protocol.WaitForComputations(rethrow: true);
        _ledger.DropPending("run ended");
        // The last point must count the messages dropped at the end too.
        _server.EvaluateFinal();
        return new RunResult(_defence, _server.Rows.ToList(), _server.Step, _sim.Now, _sim.EventsProcessed, _ledger.Count, stop);
    }

    /// <summary>
    /// The number of messages after which a run stops with <c>message cap</c>: the budget's
    /// <see cref="BudgetOptions.MaxMessages"/> when set; else, with a step budget alone, 50 per worker per
    /// step, so an async rule that rejects everything cannot loop forever; else (a time budget) none,
    /// <see cref="long.MaxValue"/>.
    /// </summary>
    /// <remarks>Saturating: a product past 2^63 − 1 is <see cref="long.MaxValue"/> (no cap), never a wrapped,
    /// negative cap that would stop the run before its first step.</remarks>
    public static long MessageCap(BudgetOptions budget, int workers)
    {
        ArgumentNullException.ThrowIfNull(budget);
        if (budget.MaxMessages > 0) return budget.MaxMessages;
        if (budget.Time is not null) return long.MaxValue;
        return SaturatingMultiply(SaturatingMultiply(Math.Max(1, budget.Steps), Math.Max(1, workers)), MessagesPerWorkerPerStep);
    }

    /// <summary>Messages per worker per step allowed by the default cap of a step-only budget.</summary>
    public const long MessagesPerWorkerPerStep = 50;

    /// <summary>
    /// How many consecutive events may fire at one simulated instant, without the server taking a step,
    /// before a run that only its time budget can end is declared stalled:
    /// <c>workers × (1024 + 4 × burst)</c>.
    /// </summary>
    /// <remarks>With delays that are not all zero, one instant holds few events per worker: each worker has
    /// one message in flight (a burst's worth for a bursting Byzantine worker), and each message brings
    /// at most a compute completion, an arrival and a crash; a synchronous round adds a deadline or a
    /// retry. So <c>1024 + 4 × burst</c> events per worker at one instant, with neither the clock nor the
    /// step moving, can only be a loop of zero-length delays that would never reach the time budget.
    /// The count depends on the scenario alone, never on the wall clock: the stall is found at the same
    /// event on every machine. Saturating.</remarks>
    public static long StallLimit(int workers, int burst)
        => SaturatingMultiply(Math.Max(1, workers), 1024 + SaturatingMultiply(4, Math.Max(1, burst)));

    private static long SaturatingMultiply(long a, long b) => a != 0 && b > long.MaxValue / a ? long.MaxValue : a * b;

    private void Handle(ScheduledEvent<EngineEvent> e)
    {
        _fleet.CurrentSequence = e.Sequence;
        _protocol.Handle(e);
    }

    private static Dataset Poison(Dataset train, IDataAttack attack)
    {
        if (train.Labels is null) throw new SimByzException($"data attack '{attack.Spec}' needs a classification task (the task has no labels)");
        var labels = new int[train.Count];
        for (int i = 0; i < labels.Length; i++)
        {
            int y = attack.PoisonLabel(train.Labels[i], train.ClassCount);
            if ((uint)y >= (uint)train.ClassCount)
            {
                throw new SimByzException($"data attack '{attack.Spec}' gave label {y} to training row {i} (label {train.Labels[i]}); labels must be in [0, {train.ClassCount})");
            }
            labels[i] = y;
        }
        return train.WithLabels(labels);
    }
}
