namespace SimByz.Specs;

/// <summary>
/// One component of a <see cref="ComponentCatalog{TContext, T}"/>: how it is described, how it is
/// built from its spec parameters, where it comes from, and optionally its tensor twin.
/// </summary>
/// <typeparam name="TContext">What a factory may use besides the spec (seed, declared q, …).</typeparam>
/// <typeparam name="T">What the factory builds.</typeparam>
/// <param name="Info">Name, summary, source, tolerance and parameters (the component's own <c>Info</c>).</param>
/// <param name="Factory">Builds the component; reads its parameters through <see cref="SpecParameters"/>
/// (unknown keys are rejected after it returns).</param>
/// <param name="Origin">Built-in or the plug-in that added it.</param>
public sealed record CatalogEntry<TContext, T>(ComponentInfo Info, Func<SpecParameters, TContext, T> Factory, ComponentOrigin Origin)
{
    /// <summary>
    /// The backend twin of this component (for aggregation rules and pre-aggregators: the torch
    /// implementation of the same rule, by the same name and parameters), or null. Typed as object
    /// because the backend's types live in the backend assembly; the backend casts what it built.
    /// </summary>
    public Func<SpecParameters, TContext, object>? Twin { get; init; }
}
