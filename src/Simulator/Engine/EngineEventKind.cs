namespace SimByz.Simulator.Engine;

/// <summary>What an engine event is; its value is also its priority among events at the same time.</summary>
/// <remarks>At equal times lower values fire first: compute completion (1) before arrival (2) before a
/// deadline (3), so a reply arriving exactly at its round's deadline is in time. Equal (time, priority)
/// events fire in scheduling order. The values are part of the trace's behaviour: changing one changes
/// recorded runs.</remarks>
internal enum EngineEventKind : byte
{
    Crash = 0,
    ComputeDone = 1,
    Arrival = 2,

    /// <summary>Synchronous: the round's deadline.</summary>
    Deadline = 3,

    /// <summary>Synchronous: nobody was up for a round; try again when the first worker recovers.</summary>
    RoundRetry = 4,

    /// <summary>Asynchronous: a worker that was down starts its next iteration.</summary>
    Restart = 5,

    /// <summary>Asynchronous, federated: an omitting Byzantine client leaves its slot (payload: the client id).</summary>
    ClientIdle = 6,

    /// <summary>Asynchronous, federated: an availability window opens; slots that found nobody to sample try again.</summary>
    SlotRetry = 7,
}
