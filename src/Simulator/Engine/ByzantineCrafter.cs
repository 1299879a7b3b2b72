using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>
/// Plays the gradient attack: overwrites the payloads of the Byzantine messages among those just
/// computed with the rows the omniscient attack crafts from the model and the honest messages it sees.
/// </summary>
/// <remarks>Without a gradient attack Byzantine workers send their own (possibly poisoned-data)
/// gradient. The attack probes the defence through its own instance of the rule, so its trial
/// aggregations never advance the server's stateful rules. All of the attack's randomness comes from
/// one stream. Not thread-safe (one run's thread).</remarks>
internal sealed class ByzantineCrafter
{
    private readonly IGradientAttack? _attack;
    private readonly IAggregator? _ruleAsAttackerSeesIt;
    private readonly RandomStream _rng;
    private readonly ParameterServer _server;
    private readonly int _totalByzantine;
    private readonly int _workerCount;
    private readonly List<SentMessage> _byzantine = [], _honestMessages = [];
    private readonly RowMatrix _honest = new(), _own = new();
    private readonly AggregationContext _aggregationContext = new();
    private AttackContext? _context;
    private float[] _output = [];

    /// <param name="attack">The gradient attack, or null.</param>
    /// <param name="ruleAsAttackerSeesIt">The attacker's own instance of the synchronous rule (null for async rules).</param>
    /// <param name="rng">The attack's stream.</param>
    /// <param name="server">Whose model the attack sees.</param>
    /// <param name="totalByzantine">q, the number of Byzantine workers.</param>
    /// <param name="workerCount">n.</param>
    public ByzantineCrafter(IGradientAttack? attack, IAggregator? ruleAsAttackerSeesIt, RandomStream rng, ParameterServer server,
        int totalByzantine, int workerCount)
    {
        _attack = attack;
        _ruleAsAttackerSeesIt = ruleAsAttackerSeesIt;
        _rng = rng;
        _server = server;
        _totalByzantine = totalByzantine;
        _workerCount = workerCount;
    }

    /// <summary>Craftings whose output was written in place into the Byzantine rows (<see cref="CraftRound"/>).</summary>
    public long InPlaceCraftings { get; private set; }

    /// <summary>Whether <see cref="Craft"/> reads the honest view at all (a gradient attack that is not omission and reads honest rows).</summary>
    public bool ReadsHonestView => ReadsHonestRows(_attack);

    /// <summary>Whether <paramref name="attack"/> ever reads the honest rows (see <see cref="IGradientAttack.ReadsHonestRows"/>).</summary>
    public static bool ReadsHonestRows(IGradientAttack? attack) => attack is not null && !attack.IsOmission && attack.ReadsHonestRows;

    /// <summary>Whether, in a round with <paramref name="honestCount"/> honest messages, the attack overwrites every
    /// Byzantine row without reading what the Byzantine worker computed (its own gradient): a gradient attack that reads
    /// the honest rows, does not need own gradients, and has at least one honest row (else it would fall back to the
    /// own rows, <c>AttackMath.Reference</c>). A Byzantine worker without data then need not even clear its row.</summary>
    public bool OverwritesWithoutReadingOwn(int honestCount) => ReadsHonestView && !_attack!.NeedsOwnGradients && honestCount > 0;

    /// <summary>Fills the Byzantine messages among <paramref name="sent"/> with the attack's rows (asynchronous: the
    /// honest view is the workers' latest messages).</summary>
    /// <param name="sent">Messages just computed; the non-Byzantine ones are left alone.</param>
    /// <param name="honestView">The honest vectors the attack sees (read only when there is a Byzantine
    /// message to craft); when empty it sees the Byzantine workers' own vectors instead.</param>
    /// <param name="gamma">The learning rate the workers used.</param>
    /// <param name="round">The server version the attack is told.</param>
    /// <remarks>Allocates nothing once its buffers have grown to the largest view seen: the rows are copied
    /// into reused matrices, and the contexts are refilled (the attack sees the same values as with fresh ones).</remarks>
    public void Craft(List<SentMessage> sent, IReadOnlyList<float[]> honestView, double gamma, long round)
    {
        if (_attack is null) return; // Byzantine workers send their own (possibly poisoned-data) gradient
        _byzantine.Clear();
        foreach (var p in sent) if (p.Info.Byzantine) _byzantine.Add(p);
        if (_byzantine.Count == 0) return;
        int d = _server.Dimension;
        var own = _own.Fill(_byzantine, d);
        var honest = honestView.Count > 0 ? _honest.Fill(honestView, d) : own;
        var output = Buffer(ref _output, _byzantine.Count * d);
        Run(honest, own, output, gamma, round, asynchronous: true);
        CopyOut(output, d);
    }

    /// <summary>Fills the Byzantine messages of a synchronous round with the attack's rows: the attack sees the round's
    /// honest messages (in sending order) when it reads honest rows, else the Byzantine workers' own vectors.</summary>
    /// <param name="sent">The round's messages, in sending order.</param>
    /// <param name="gamma">The learning rate the workers used.</param>
    /// <param name="round">The round the attack is told.</param>
    /// <remarks>When the messages are rows of a <see cref="PayloadSlab"/> (<see cref="SyncProtocol"/>) and the honest
    /// (Byzantine) ones are consecutive rows, the attack reads them in place instead of a copy (the same rows in the
    /// same order: the same bytes); and when, in addition, it overwrites the Byzantine rows without reading them
    /// (<see cref="OverwritesWithoutReadingOwn"/>), it writes them in place. Otherwise the rows are copied into reused
    /// matrices and the output copied into the payloads, as in <see cref="Craft"/>. Allocates nothing once its
    /// buffers have grown.</remarks>
    public void CraftRound(List<SentMessage> sent, double gamma, long round)
    {
        if (_attack is null) return; // Byzantine workers send their own (possibly poisoned-data) gradient
        _byzantine.Clear();
        _honestMessages.Clear();
        foreach (var p in sent) (p.Info.Byzantine ? _byzantine : _honestMessages).Add(p);
        if (_byzantine.Count == 0) return;
        int d = _server.Dimension;
        var ownInPlace = InPlace(_byzantine);
        var own = ownInPlace ?? _own.Fill(_byzantine, d);
        bool readsHonest = ReadsHonestView && _honestMessages.Count > 0;
        var honest = readsHonest ? InPlace(_honestMessages) ?? _honest.Fill(_honestMessages, d) : own;
        if (ownInPlace is not null && OverwritesWithoutReadingOwn(_honestMessages.Count))
        {
            var first = _byzantine[0];
            Run(honest, own, first.Slab!.Rows(first.SlabRow, _byzantine.Count), gamma, round, asynchronous: false);
            InPlaceCraftings++;
            return;
        }
        var output = Buffer(ref _output, _byzantine.Count * d);
        Run(honest, own, output, gamma, round, asynchronous: false);
        CopyOut(output, d);
    }

    /// <summary>The batch view of <paramref name="messages"/> in place: when they are consecutive rows, in order, of one slab; else null.</summary>
    private static GradientBatch? InPlace(List<SentMessage> messages)
    {
        var first = messages[0];
        if (first.Slab is not { } slab) return null;
        for (int i = 1; i < messages.Count; i++)
        {
            if (messages[i].Slab != slab || messages[i].SlabRow != first.SlabRow + i) return null;
        }
        return slab.View(first.SlabRow, messages.Count);
    }

    private void Run(GradientBatch honest, GradientBatch own, Span<float> output, double gamma, long round, bool asynchronous)
    {
        int d = _server.Dimension;
        // The attack reads the server's x in place (read-only memory; nothing changes it while the attack runs).
        var model = _server.ParametersMemory;
        var aggregation = _aggregationContext.Refill(model, gamma, round, null);
        var ctx = _context ??= new AttackContext
        {
            Honest = honest,
            TotalByzantine = _totalByzantine,
            WorkerCount = _workerCount,
            Aggregator = _ruleAsAttackerSeesIt,
            AggregationContext = aggregation,
            Dimension = d,
            Asynchronous = asynchronous,
            Rng = _rng,
        };
        ctx.Refill(round, model, honest, own, _byzantine.Count, gamma);
        _attack!.Craft(ctx, output);
    }

    private void CopyOut(ReadOnlySpan<float> output, int d)
    {
        for (int k = 0; k < _byzantine.Count; k++)
        {
            output.Slice(k * d, d).CopyTo(_byzantine[k].Payload.Span);
        }
    }

    private static Span<float> Buffer(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
        return buffer.AsSpan(0, length);
    }

    /// <summary>A reused row-major matrix and the <see cref="GradientBatch"/> views over its first rows, one per row count.</summary>
    private sealed class RowMatrix
    {
        private float[] _data = [];
        private GradientBatch?[] _views = [];

        public GradientBatch Fill(IReadOnlyList<float[]> rows, int d)
        {
            var view = View(rows.Count, d);
            for (int i = 0; i < rows.Count; i++) rows[i].AsSpan(0, d).CopyTo(_data.AsSpan(i * d, d));
            return view;
        }

        public GradientBatch Fill(List<SentMessage> rows, int d)
        {
            var view = View(rows.Count, d);
            for (int i = 0; i < rows.Count; i++) rows[i].Payload.Span[..d].CopyTo(_data.AsSpan(i * d, d));
            return view;
        }

        private GradientBatch View(int count, int d)
        {
            if (_data.Length < count * d)
            {
                _data = new float[Math.Max(count * d, 2 * _data.Length)];
                Array.Clear(_views);
            }
            if (_views.Length <= count) Array.Resize(ref _views, Math.Max(count + 1, 2 * _views.Length));
            return _views[count] ??= new GradientBatch(_data.AsMemory(0, count * d), count, d);
        }
    }
}
