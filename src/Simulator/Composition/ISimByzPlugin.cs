namespace SimByz.Simulator.Composition;

/// <summary>
/// The entry point of a plug-in assembly: a public class with a public parameterless constructor
/// implementing this interface adds its components to SimByz's catalogues through the registrar.
/// </summary>
/// <remarks>
/// Components obey the same determinism contract as the built-ins: randomness only from the streams
/// SimByz hands them (<c>AttackContext.Rng</c>, the delay model's stream, a stream derived from the
/// build context's seed), no clock, no thread-count-dependent reductions. A name that clashes with a
/// built-in or another plug-in's component is an error naming both. Example: <c>examples/CustomRule</c>.
/// </remarks>
public interface ISimByzPlugin
{
    /// <summary>Adds this plug-in's components.</summary>
    void Register(PluginRegistrar registrar);
}
