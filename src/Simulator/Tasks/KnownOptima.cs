using SimByz.Simulator.Data;

namespace SimByz.Simulator.Tasks;

/// <summary>Closed-form optima of the convex tasks, for convergence checks.</summary>
public static class KnownOptima
{
    /// <summary>The minimizer of the quadratic model's loss over <paramref name="rows"/>: the mean of their points.</summary>
    public static float[] Quadratic(Dataset data, ReadOnlySpan<int> rows) => Models.QuadraticModel.Optimum(data, rows);

    /// <summary>
    /// The minimizer of F(x) = (1/n) Σ_i f_i(x), f_i the quadratic loss over shard i (every worker
    /// weighted equally, as in the distributed objective): the average of the shard means, in float64,
    /// rounded to float32 once.
    /// </summary>
    public static float[] QuadraticWorkerAverage(Dataset data, IReadOnlyList<ReadOnlyMemory<int>> shards)
    {
        if (shards.Count == 0) throw new ArgumentException("no shards", nameof(shards));
        var sum = new double[data.FeatureCount];
        foreach (var shard in shards)
        {
            if (shard.IsEmpty) throw new ArgumentException("empty shard", nameof(shards));
            var shardSum = new double[data.FeatureCount];
            foreach (int r in shard.Span)
            {
                var z = data.Example(r);
                for (int j = 0; j < shardSum.Length; j++) shardSum[j] += z[j];
            }
            for (int j = 0; j < sum.Length; j++) sum[j] += shardSum[j] / shard.Length;
        }
        var x = new float[sum.Length];
        for (int j = 0; j < x.Length; j++) x[j] = (float)(sum[j] / shards.Count);
        return x;
    }
}
