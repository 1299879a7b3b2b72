namespace SimByz.Aggregation;

/// <summary>
/// A read-only n×d batch of float32 vectors, one row per worker message, stored contiguously in
/// row-major order. Rows are whatever the workers sent: they may hold NaN or ±∞.
/// </summary>
/// <remarks>A view: it does not copy its memory. Thread-safe for reading.</remarks>
public sealed class GradientBatch
{
    public GradientBatch(ReadOnlyMemory<float> data, int count, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        if (data.Length != (long)count * dimension)
        {
            throw new ArgumentException($"batch data has {data.Length} values, expected {count}×{dimension}", nameof(data));
        }
        Memory = data;
        Count = count;
        Dimension = dimension;
    }

    /// <summary>Number of rows n.</summary>
    public int Count { get; }

    /// <summary>Row length d.</summary>
    public int Dimension { get; }

    /// <summary>All n·d values, row-major.</summary>
    public ReadOnlyMemory<float> Memory { get; }

    public ReadOnlySpan<float> Data => Memory.Span;

    /// <summary>Row <paramref name="i"/> (0 ≤ i &lt; n).</summary>
    public ReadOnlySpan<float> Row(int i) => Memory.Span.Slice(checked(i * Dimension), Dimension);

    public ReadOnlyMemory<float> RowMemory(int i) => Memory.Slice(checked(i * Dimension), Dimension);

    /// <summary>Copies <paramref name="rows"/> (jagged) into a new batch; for tests and tools.</summary>
    public static GradientBatch FromRows(IReadOnlyList<float[]> rows)
    {
        if (rows.Count == 0) throw new ArgumentException("no rows", nameof(rows));
        int d = rows[0].Length;
        var data = new float[rows.Count * d];
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != d) throw new ArgumentException($"row {i} has length {rows[i].Length}, expected {d}", nameof(rows));
            rows[i].CopyTo(data, i * d);
        }
        return new GradientBatch(data, rows.Count, d);
    }
}
