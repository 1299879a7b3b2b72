using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>A message on its way: what the observers see (<see cref="Info"/>) plus what only the engine needs.</summary>
internal sealed class SentMessage
{
    public required MessageInfo Info { get; set; }

    /// <summary>The vector sent: a pooled vector of its own, or its row of its round's <see cref="Slab"/>; returned to
    /// the ledger (and empty) once the message's fate is decided.</summary>
    public Memory<float> Payload { get; set; }

    /// <summary>The pooled vector <see cref="Payload"/> is, when it is not a row of a slab.</summary>
    public float[]? PooledPayload { get; set; }

    /// <summary>The synchronous round's slab whose row <see cref="SlabRow"/> <see cref="Payload"/> is, or null.</summary>
    public PayloadSlab? Slab { get; set; }

    /// <summary>The row of <see cref="Slab"/> that is <see cref="Payload"/>.</summary>
    public int SlabRow { get; set; }

    /// <summary>The network-delay draw, kept from dispatch until the computation completes.</summary>
    public SimTime NetworkDelay { get; set; }

    /// <summary>Asynchronous: messages the server had received when this one read the model (for staleness in messages).</summary>
    public long ReceivedAtRead { get; set; }

    /// <summary>Asynchronous: this message's completion starts its worker's next iteration (false for a burst's extra copies).</summary>
    public bool Primary { get; set; } = true;

    /// <summary>Asynchronous: the computation of this message handed to a helper thread and not yet waited for
    /// (<see cref="GradientPipeline"/>), or null.</summary>
    public GradientPipeline.ComputeJob? Job { get; set; }
}
