using System.Globalization;
using SimByz.Specs;

namespace SimByz.Simulator.Data.Partitioning;

/// <summary>
/// A partition spec: <c>iid</c>, <c>dirichlet:alpha=0.5</c> (options <c>variant=hsu|per-class</c>,
/// <c>min-size=N</c>), or <c>shards:k=2</c>. Immutable, validated on construction.
/// </summary>
/// <remarks>See <see cref="Partitioner"/> for the exact procedures.</remarks>
public sealed record PartitionSpec
{
    /// <summary>Every scheme, in the order of <c>simbyz list</c>.</summary>
    public static IReadOnlyList<ComponentInfo> Schemes { get; } =
    [
        new("iid", "seeded shuffle of the training rows, cut into n near-equal contiguous shards", "standard IID split", "rows ≥ n", []),
        new("dirichlet", "label-skewed shards from Dirichlet draws; smaller alpha = more skew", "variant=hsu: Hsu et al. 2019; variant=per-class: Yurochkin et al. 2019 / NIID-Bench (Li et al. 2022)", "classification data; rows ≥ n",
        [
            new("alpha", "number > 0", "required", "Dirichlet concentration (hsu: q ~ Dir(alpha·p); per-class: Dir_n(alpha))"),
            new("variant", "hsu | per-class", "hsu", "the procedure (see Partitioner docs)"),
            new("min-size", "integer ≥ 1", "1", "per-class: redraw until every worker has at least this many rows (at most 1000 attempts)"),
        ]),
        new("shards", "sort rows by label, cut into n·k near-equal shards, give each worker k random shards (≈ k labels per worker)", "McMahan et al. 2017 (FedAvg, pathological non-IID)", "classification data; rows ≥ n·k",
        [new("k", "integer ≥ 1", "2", "shards (≈ labels) per worker")]),
    ];

    public PartitionSpec(PartitionScheme scheme, double alpha = 0, DirichletVariant variant = DirichletVariant.Hsu, int minSize = 1, int shardsPerWorker = 2)
    {
        if (scheme == PartitionScheme.Dirichlet && !(alpha > 0 && double.IsFinite(alpha)))
        {
            throw new SimByzException($"partition 'dirichlet': alpha={alpha.ToString(CultureInfo.InvariantCulture)} is invalid: expected a finite number > 0");
        }
        if (minSize < 1) throw new SimByzException($"partition 'dirichlet': min-size={minSize} is invalid: expected an integer ≥ 1");
        if (shardsPerWorker < 1) throw new SimByzException($"partition 'shards': k={shardsPerWorker} is invalid: expected an integer ≥ 1");
        Scheme = scheme;
        Alpha = alpha;
        Variant = variant;
        MinSize = minSize;
        ShardsPerWorker = shardsPerWorker;
    }

    /// <summary>The IID split.</summary>
    public static PartitionSpec Iid { get; } = new(PartitionScheme.Iid);

    public PartitionScheme Scheme { get; }

    /// <summary>Dirichlet concentration α (Dirichlet only).</summary>
    public double Alpha { get; }

    /// <summary>Dirichlet procedure (default <see cref="DirichletVariant.Hsu"/>).</summary>
    public DirichletVariant Variant { get; }

    /// <summary>Per-class variant: minimum rows per worker (default 1).</summary>
    public int MinSize { get; }

    /// <summary>Shards per worker k (default 2).</summary>
    public int ShardsPerWorker { get; }

    /// <summary>Parses a partition spec.</summary>
    /// <exception cref="SimByzException">Unknown scheme or bad parameter.</exception>
    public static PartitionSpec Parse(string spec)
    {
        var parsed = ComponentSpec.Parse(spec, "partition");
        var p = parsed.Read("partition");
        PartitionSpec result = parsed.Name switch
        {
            "iid" => Iid,
            "dirichlet" => new PartitionSpec(
                PartitionScheme.Dirichlet,
                p.RequireDouble("alpha", double.Epsilon, 1e9),
                p.GetChoice("variant", "hsu", "hsu", "per-class") == "hsu" ? DirichletVariant.Hsu : DirichletVariant.PerClass,
                p.GetInt("min-size", 1, 1, int.MaxValue)),
            "shards" => new PartitionSpec(PartitionScheme.Shards, shardsPerWorker: p.GetInt("k", 2, 1, 1_000_000)),
            _ => throw new SimByzException($"unknown partition '{parsed.Name}' (known: {string.Join(", ", Schemes.Select(s => s.Name))})"),
        };
        p.EnsureAllUsed();
        return result;
    }

    /// <summary>The canonical spec text.</summary>
    public override string ToString() => Scheme switch
    {
        PartitionScheme.Iid => "iid",
        PartitionScheme.Dirichlet => "dirichlet:alpha=" + Alpha.ToString("R", CultureInfo.InvariantCulture)
            + (Variant == DirichletVariant.Hsu ? "" : ",variant=per-class" + (MinSize == 1 ? "" : ",min-size=" + MinSize.ToString(CultureInfo.InvariantCulture))),
        _ => "shards:k=" + ShardsPerWorker.ToString(CultureInfo.InvariantCulture),
    };
}
