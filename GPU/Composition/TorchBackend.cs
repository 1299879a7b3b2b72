using SimByz.Aggregation;
using SimByz.Gpu.Aggregation;
using SimByz.Simulator.Composition;
using SimByz.Specs;

namespace SimByz.Gpu.Composition;

/// <summary>
/// The torch compute backend: builds a rule chain, or an asynchronous rule, from the tensor twins in
/// the catalogue's twin column (<c>TorchComponents.AddTo</c>) and runs it on a <see cref="TorchDevice"/>. Agrees
/// with the managed backend within each twin's documented tolerance; not bit-exact.
/// </summary>
public sealed class TorchBackend : IComputeBackend
{
    private readonly TorchDevice _device;

    /// <summary>A backend on <paramref name="device"/>.</summary>
    public TorchBackend(TorchDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
    }

    public string Name => "torch";

    public string? Device => _device.Description;

    /// <exception cref="SimByzException">Unknown name, bad parameter, or a component without a tensor twin.</exception>
    public IAggregator CreateRule(AggregatorCatalog catalog, string spec, AggregatorBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var chain = ComponentSpec.ParseChain(spec, catalog.Rules.Kind);
        if (catalog.IsAsyncRule(spec)) throw new SimByzException($"rule '{spec}' is an asynchronous rule: it decides per message, inside an asynchronous simulation");
        var rule = (ITensorRule)catalog.Rules.CreateTwin(chain[^1], context, "torch");
        var pre = new List<ITensorPreAggregator>();
        for (int i = 0; i < chain.Count - 1; i++) pre.Add((ITensorPreAggregator)catalog.PreAggregators.CreateTwin(chain[i], context, "torch"));
        return new TorchAggregator(pre, rule, _device);
    }

    /// <exception cref="SimByzException">Unknown name, bad parameter, or an asynchronous rule without a tensor twin.</exception>
    public IAsyncAggregator CreateAsyncRule(AggregatorCatalog catalog, string spec, AggregatorBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var parsed = catalog.ParseAsync(spec);
        var rule = (ITensorAsyncRule)catalog.AsyncRules.CreateTwin(parsed, context, "torch");
        return new TorchAsyncAggregator(rule, _device);
    }
}
