using SimByz.Aggregation;

namespace SimByz.Simulator.Engine;

/// <summary>
/// One synchronous round's payload vectors as the rows of one contiguous row-major matrix, in the order the
/// round's messages were opened (worker order). The workers compute their gradients straight into their rows,
/// the attack reads the honest rows and writes the Byzantine rows in place when they are contiguous, and the
/// server aggregates the rows in place when the replies arrived in that same order (see
/// <see cref="ParameterServer.AggregateAndApply"/>): no per-round copy of a model-size vector in that case.
/// </summary>
/// <remarks>A slab is handed out by <see cref="MessageLedger.RentSlab"/> and goes back to the ledger's pool when
/// the last message holding one of its rows is resolved (<see cref="Outstanding"/>), so the rows of a message
/// still in flight (a late reply, read by the observers when it arrives) are never overwritten by a later round.
/// Its matrix comes from the setup's <see cref="RunBuffers"/> and goes back there when the run ends (<see cref="Release"/>).
/// The <see cref="GradientBatch"/> views over its row ranges are made once and reused. Not thread-safe (one run's
/// thread); distinct rows may be written by distinct threads.</remarks>
internal sealed class PayloadSlab
{
    private readonly int _d;
    private readonly RunBuffers? _buffers;
    private readonly Dictionary<(int Start, int Count), GradientBatch> _views = [];
    private AlignedFloats _data; // rows start on a 64-byte boundary (speed only, AlignedFloats)

    /// <param name="dimension">Length d of every row.</param>
    /// <param name="buffers">Where its matrix comes from and goes back to (<see cref="Release"/>), or null: a new one.</param>
    public PayloadSlab(int dimension, RunBuffers? buffers = null)
    {
        _d = dimension;
        _buffers = buffers;
    }

    /// <summary>Messages opened on this slab and not yet resolved.</summary>
    public int Outstanding { get; set; }

    /// <summary>Makes room for <paramref name="rows"/> rows (the contents are then unspecified).</summary>
    public void EnsureRows(int rows)
    {
        if (_data.Length >= (long)rows * _d) return;
        int length = checked(rows * _d);
        var old = _data;
        _data = _buffers?.Take(length) ?? AlignedFloats.Allocate(length);
        _buffers?.Give(old);
        _views.Clear();
    }

    /// <summary>Gives its matrix back to the <see cref="RunBuffers"/> it came from (the slab is then empty): at the end of
    /// its run, when no message holds one of its rows and no thread writes into them.</summary>
    public void Release()
    {
        if (Outstanding != 0) throw new InvalidOperationException("a slab with messages in flight cannot be released");
        var old = _data;
        _data = default;
        _views.Clear();
        _buffers?.Give(old);
    }

    /// <summary>Row <paramref name="row"/>.</summary>
    public Memory<float> Row(int row) => _data.Memory.Slice(row * _d, _d);

    /// <summary>Rows <paramref name="start"/> … <paramref name="start"/> + <paramref name="count"/> − 1, row-major.</summary>
    public Span<float> Rows(int start, int count) => _data.Span.Slice(start * _d, count * _d);

    /// <summary>The batch view of rows <paramref name="start"/> … <paramref name="start"/> + <paramref name="count"/> − 1 (made once, then reused).</summary>
    public GradientBatch View(int start, int count)
    {
        if (!_views.TryGetValue((start, count), out var view))
        {
            view = new GradientBatch(_data.Memory.Slice(start * _d, count * _d), count, _d);
            _views.Add((start, count), view);
        }
        return view;
    }
}
