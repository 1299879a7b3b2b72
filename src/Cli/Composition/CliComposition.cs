using System.CommandLine;
using SimByz.Gpu;
using SimByz.Gpu.Composition;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Scenarios;

namespace SimByz.Cli.Composition;

/// <summary>
/// The one place the CLI composes SimByz: the built-in catalogues, the torch backend's entries (its
/// models and the rules' tensor twins, loaded only when used), the plug-ins of <c>--plugin</c> and of
/// the scenario or grid, and the compute backend. Every command that resolves components builds its
/// <see cref="CompositionRoot"/> here.
/// </summary>
internal sealed class CliComposition
{
    private readonly Lazy<TorchDevice> _device;

    private CliComposition(CompositionRoot root, Lazy<TorchDevice> device)
    {
        Root = root;
        _device = device;
    }

    /// <summary>The composition root.</summary>
    public CompositionRoot Root { get; private set; }

    /// <summary>The <c>--plugin PATH.dll</c> option (repeatable) of every command that resolves components.</summary>
    public static Option<string[]> PluginOption() => new("--plugin")
    {
        Description = "A plug-in assembly adding rules, attacks, delay models, models or data sources (repeatable).",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>
    /// Composes the built-ins, the torch entries and <paramref name="plugins"/>; with
    /// <paramref name="torchBackend"/> the synchronous rules run as their tensor twins on the chosen device.
    /// </summary>
    /// <param name="plugins">Plug-in paths (<c>--plugin</c>, then the scenario's).</param>
    /// <param name="deviceChoice">Torch device: auto (CUDA when available), cpu or cuda; chosen when first needed.</param>
    /// <param name="torchBackend">Run the rules on the torch backend.</param>
    public static CliComposition Create(IEnumerable<string>? plugins, string? deviceChoice = "auto", bool torchBackend = false)
    {
        // The name is checked now, so that a wrong --device is an error even in a run that never uses torch (it was
        // accepted without a word there); the device itself is selected, and TorchSharp loaded, only when needed.
        var choice = TorchDevice.ParseChoice(deviceChoice ?? "auto");
        var device = new Lazy<TorchDevice>(() => TorchDevice.Select(choice));
        var catalogs = TorchComponents.AddTo(ComponentCatalogs.BuiltIn, () => device.Value);
        IComputeBackend backend = torchBackend ? new TorchBackend(device.Value) : ManagedBackend.Instance;
        var root = PluginLoader.Load(new CompositionRoot(catalogs, backend), plugins ?? []);
        return new CliComposition(root, device);
    }

    /// <summary>Adds the plug-ins a scenario lists (<c>"plugins"</c>) to the composition.</summary>
    public CliComposition WithScenarioPlugins(Scenario scenario)
    {
        Root = PluginLoader.Load(Root, scenario.Plugins);
        return this;
    }

    /// <summary>
    /// The scenario with every loaded plug-in's path in its <c>plugins</c> (so the resolved scenario
    /// that traces and summaries record is enough to load them again).
    /// </summary>
    public Scenario Record(Scenario scenario)
    {
        var paths = scenario.Plugins.ToList();
        foreach (var plugin in Root.Plugins)
        {
            if (!paths.Contains(plugin.Origin.Path, StringComparer.Ordinal)) paths.Add(plugin.Origin.Path);
        }
        return paths.Count == scenario.Plugins.Count ? scenario : scenario with { Plugins = paths };
    }

    /// <summary>The torch device description when the scenario's model is a torch model (this selects the device), else null.</summary>
    public string? TorchDeviceFor(Scenario scenario)
        => TorchComponents.IsTorchModel(scenario.Task.Model.Split(':')[0].Trim()) ? _device.Value.Description : null;

    /// <summary>The torch device (selected on first use).</summary>
    public TorchDevice Device => _device.Value;
}
