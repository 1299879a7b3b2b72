using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>
/// Draws minibatches from a fixed set of rows without replacement within an epoch: the rows are
/// shuffled (Fisher–Yates, from the owner's stream) at the start of each epoch and dealt in order;
/// a batch that would cross the epoch's end takes the remainder and then continues in the next
/// epoch's shuffle. Batches larger than the row set repeat rows across epochs.
/// </summary>
/// <remarks>One sampler per consumer (a worker's data stream, or the server's validation stream).</remarks>
public sealed class MinibatchSampler
{
    private readonly int[] _order;
    private readonly RandomStream _rng;
    private int _next;

    public MinibatchSampler(ReadOnlySpan<int> rows, RandomStream rng)
    {
        _order = rows.ToArray();
        _rng = rng;
        _next = _order.Length;
    }

    public int RowCount => _order.Length;

    /// <summary>Fills <paramref name="batch"/> with the next rows.</summary>
    public void Next(Span<int> batch)
    {
        if (_order.Length == 0) throw new InvalidOperationException("no rows to sample from");
        for (int k = 0; k < batch.Length; k++)
        {
            if (_next == _order.Length)
            {
                _rng.Shuffle(_order.AsSpan());
                _next = 0;
            }
            batch[k] = _order[_next++];
        }
    }
}
