using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>
/// How workers and the server take turns (DESIGN.md, Synchronous and Asynchronous protocol): what
/// the run does at its start and at each event of its queue. The run's event loop drives it.
/// </summary>
/// <remarks>Implementations own the protocol's state (round, buffer) and use the server, the ledger
/// and the fleet they were given. Not thread-safe (one run's thread).</remarks>
internal interface IProtocol
{
    /// <summary>True when the run is over: the step budget is spent, or no worker can ever send again.</summary>
    bool Finished { get; }

    /// <summary>Sends the first messages (at time 0, after the initial evaluation point).</summary>
    void Start();

    /// <summary>Handles one event of the run's queue.</summary>
    void Handle(ScheduledEvent<EngineEvent> e);

    /// <summary>Returns once no computation of this run runs on another thread (asynchronous pipeline, <see cref="GradientPipeline"/>);
    /// <paramref name="rethrow"/>: rethrow a computation's error (false when the run is already ending on one).</summary>
    void WaitForComputations(bool rethrow) { }
}
