using SimByz.Scheduler;

namespace SimByz.Simulator.Data.Sampling;

/// <summary>
/// Draws minibatches of row indices from a fixed set of rows (a worker's shard, or the server's
/// validation set) without replacement within an epoch, reshuffling at each epoch.
/// </summary>
/// <remarks>
/// <para>Each epoch reorders the rows by a Fisher–Yates shuffle of the previous epoch's order (the first
/// epoch shuffles the rows in the order given), drawn from the
/// sampler's own stream; batches are consecutive slices of it. Workers use
/// <see cref="ForWorker"/> (purpose <see cref="StreamPurpose.WorkerData"/>, entity = worker id), the
/// server <see cref="ForServerValidation"/> (purpose <see cref="StreamPurpose.ServerValidation"/>).
/// When the set is smaller than the requested batch, the batch is the whole set (in a fresh order
/// each epoch): <see cref="BatchSize"/> reports the effective size. End of epoch: see
/// <see cref="EpochEnd"/> (default <see cref="EpochEnd.DropLast"/>).</para>
/// <para>No allocation per batch. Not thread-safe: one sampler per consumer.</para>
/// </remarks>
public sealed class MinibatchSampler
{
    private readonly int[] _permutation;
    private readonly int[] _batch;
    private readonly RandomStream _rng;
    private readonly EpochEnd _epochEnd;
    private int _position;

    public MinibatchSampler(ReadOnlySpan<int> rows, int batchSize, RandomStream rng, EpochEnd epochEnd = EpochEnd.DropLast)
    {
        if (rows.IsEmpty) throw new SimByzException("minibatch sampler: no rows to sample from (empty shard or validation set)");
        if (batchSize < 1) throw new SimByzException($"minibatch sampler: batch size {batchSize} is invalid: expected an integer ≥ 1");
        ArgumentNullException.ThrowIfNull(rng);
        _permutation = rows.ToArray();
        BatchSize = Math.Min(batchSize, rows.Length);
        _batch = new int[BatchSize];
        _rng = rng;
        _epochEnd = epochEnd;
        _position = _permutation.Length; // forces a shuffle before the first batch
        Epoch = -1;
    }

    /// <summary>A worker's sampler over its shard, from stream (seed, worker.data, worker id).</summary>
    public static MinibatchSampler ForWorker(ulong seed, int workerId, ReadOnlySpan<int> shard, int batchSize, EpochEnd epochEnd = EpochEnd.DropLast)
        => new(shard, batchSize, RandomStreams.Derive(seed, StreamPurpose.WorkerData, workerId), epochEnd);

    /// <summary>The server's validation-batch sampler, from stream (seed, server.validation, 0).</summary>
    public static MinibatchSampler ForServerValidation(ulong seed, ReadOnlySpan<int> validation, int batchSize, EpochEnd epochEnd = EpochEnd.DropLast)
        => new(validation, batchSize, RandomStreams.Derive(seed, StreamPurpose.ServerValidation, 0), epochEnd);

    /// <summary>The effective batch size: min(requested, number of rows).</summary>
    public int BatchSize { get; }

    /// <summary>Rows sampled from.</summary>
    public int RowCount => _permutation.Length;

    /// <summary>The current epoch (0 after the first batch; −1 before).</summary>
    public long Epoch { get; private set; }

    /// <summary>The next batch; the span is valid until the next call.</summary>
    public ReadOnlySpan<int> Next()
    {
        int filled = 0;
        while (filled < _batch.Length)
        {
            int available = _permutation.Length - _position;
            if (available == 0 || (_epochEnd == EpochEnd.DropLast && filled == 0 && available < _batch.Length))
            {
                _rng.Shuffle(_permutation.AsSpan());
                _position = 0;
                Epoch++;
                continue;
            }
            int take = Math.Min(available, _batch.Length - filled);
            _permutation.AsSpan(_position, take).CopyTo(_batch.AsSpan(filled));
            _position += take;
            filled += take;
        }
        return _batch;
    }
}
