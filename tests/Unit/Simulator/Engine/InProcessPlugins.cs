using SimByz.Simulator.Composition;
using SimByz.Specs;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;
using SimByz.Testing.Simulator;

namespace SimByz.Tests.Unit.Simulator.Engine;

/// <summary>Components registered in process, as a plug-in's <c>Register</c> would, without building an assembly: the
/// built-in catalogue plus them, resolved against <see cref="TrainingRunTests.SmallJson"/> with overrides.</summary>
internal static class InProcessPlugins
{
    public static RunSetup Resolve(Action<PluginRegistrar> register, params string[] sets)
    {
        var registrar = new PluginRegistrar(CompositionRoot.Default.Catalogs, new ComponentOrigin("Tests", "1", "00", "tests"));
        register(registrar);
        var root = CompositionRoot.Default with { Catalogs = registrar.Catalogs };
        return root.Resolve(ScenarioLoader.Parse(TrainingRunTests.SmallJson, "test").With(sets));
    }
}
