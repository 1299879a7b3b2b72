namespace SimByz.Scheduler;

/// <summary>
/// A delay model defined outside SimByz (by a plug-in): its spec text and a factory of
/// <see cref="IDelaySampler"/>s. As a chain wrapper it gets the sampler of the model after it.
/// </summary>
/// <remarks>Built once per worker and purpose like every model (<see cref="DelayModelOptions.Build"/>).
/// Equality is by reference of the factory: two options with the same spec from different factories differ.</remarks>
public sealed record CustomDelayOptions : DelayModelOptions
{
    private readonly string _name;
    private readonly string _spec;
    private readonly Func<IDelaySampler?, IDelaySampler> _create;

    /// <summary>Creates the options of a plug-in model.</summary>
    /// <param name="name">The model's catalogue name.</param>
    /// <param name="spec">Canonical spec of this model alone (without the model after it), e.g. <c>bimodal:fast=1ms,slow=9ms</c>.</param>
    /// <param name="create">Makes a sampler; its argument is the sampler of the model after it in the chain (null when last).</param>
    /// <param name="inner">The model after it in the chain, or null.</param>
    public CustomDelayOptions(string name, string spec, Func<IDelaySampler?, IDelaySampler> create, DelayModelOptions? inner = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        ArgumentNullException.ThrowIfNull(create);
        _name = name;
        _spec = spec;
        _create = create;
        Inner = inner;
    }

    /// <summary>The model after it in the chain, or null.</summary>
    public DelayModelOptions? Inner { get; }

    public override string Name => _name;

    public override string ToSpec() => Inner is null ? _spec : _spec + "+" + Inner.ToSpec();

    internal override DelaySampler CreateSampler() => new CustomDelay(ToSpec(), _create(Inner?.CreateSampler()));

    private sealed class CustomDelay(string spec, IDelaySampler sampler) : DelaySampler(spec)
    {
        public override double SampleSeconds(RandomStream rng) => sampler.SampleSeconds(rng);
    }
}
