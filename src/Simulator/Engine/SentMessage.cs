using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>A message on its way: what the observers see (<see cref="Info"/>) plus what only the engine needs.</summary>
internal sealed class SentMessage
{
    public required MessageInfo Info { get; set; }

    /// <summary>The vector sent; returned to the ledger's pool (and null) once the message's fate is decided.</summary>
    public float[]? Payload { get; set; }

    /// <summary>The network-delay draw, kept from dispatch until the computation completes.</summary>
    public SimTime NetworkDelay { get; set; }

    /// <summary>Asynchronous: messages the server had received when this one read the model (for staleness in messages).</summary>
    public long ReceivedAtRead { get; set; }

    /// <summary>Asynchronous: this message's completion starts its worker's next iteration (false for a burst's extra copies).</summary>
    public bool Primary { get; set; } = true;
}
