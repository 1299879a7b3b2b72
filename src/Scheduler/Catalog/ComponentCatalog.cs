namespace SimByz.Specs;

/// <summary>
/// An immutable catalogue of one kind of component (aggregation rules, gradient attacks, delay
/// models, …): name → (info, factory, origin), in listing order. Builds components from specs in the
/// <see cref="ComponentSpec"/> grammar with one unknown-name error (listing the names) and one
/// unknown-parameter check, for every kind.
/// </summary>
/// <typeparam name="TContext">What a factory may use besides the spec.</typeparam>
/// <typeparam name="T">What the catalogue builds.</typeparam>
/// <remarks>
/// A catalogue is a value: <see cref="Add(CatalogEntry{TContext, T})"/> returns a new catalogue and leaves this one unchanged,
/// so the built-ins form a default catalogue that plug-ins extend into a copy; there is no
/// process-wide registration. Names are unique: adding a name that exists is an error naming both
/// origins. Thread-safe (immutable).
/// </remarks>
public sealed class ComponentCatalog<TContext, T>
{
    private readonly CatalogEntry<TContext, T>[] _entries;
    private readonly Dictionary<string, int> _index;

    /// <summary>An empty catalogue of components called <paramref name="kind"/> in messages (e.g. "rule", "attack").</summary>
    public ComponentCatalog(string kind) : this(kind, []) { }

    private ComponentCatalog(string kind, CatalogEntry<TContext, T>[] entries)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        Kind = kind;
        _entries = entries;
        _index = new Dictionary<string, int>(entries.Length, StringComparer.Ordinal);
        for (int i = 0; i < entries.Length; i++) _index.Add(entries[i].Info.Name, i);
    }

    /// <summary>What a component of this catalogue is called in messages, e.g. <c>rule</c>.</summary>
    public string Kind { get; }

    /// <summary>Every entry, in listing order (built-ins first, then plug-ins in loading order).</summary>
    public IReadOnlyList<CatalogEntry<TContext, T>> Entries => _entries;

    /// <summary>Every component's info, in listing order.</summary>
    public IReadOnlyList<ComponentInfo> Infos => Array.ConvertAll(_entries, e => e.Info);

    /// <summary>Every name, in listing order.</summary>
    public IReadOnlyList<string> Names => Array.ConvertAll(_entries, e => e.Info.Name);

    /// <summary>True if a component is called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _index.ContainsKey(name);

    /// <summary>The entry called <paramref name="name"/>, or null.</summary>
    public CatalogEntry<TContext, T>? Find(string name) => _index.TryGetValue(name, out int i) ? _entries[i] : null;

    /// <summary>The entry called <paramref name="name"/>.</summary>
    /// <exception cref="SimByzException">No such component: the message lists the known names.</exception>
    public CatalogEntry<TContext, T> Get(string name) => Find(name) ?? throw UnknownName(name);

    /// <summary>The error for an unknown name, listing the known ones: <c>unknown rule 'x' (known: a, b)</c>.</summary>
    public SimByzException UnknownName(string name, string hint = "")
        => new($"unknown {Kind} '{name}'{hint} (known: {string.Join(", ", Names)})");

    /// <summary>A catalogue with <paramref name="entry"/> appended.</summary>
    /// <exception cref="SimByzException">The name exists already: the message names both origins.</exception>
    public ComponentCatalog<TContext, T> Add(CatalogEntry<TContext, T> entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (Find(entry.Info.Name) is { } existing)
        {
            throw new SimByzException($"{Kind} '{entry.Info.Name}' from {entry.Origin} clashes with the {Kind} of the same name from {existing.Origin}: rename one of them");
        }
        return new ComponentCatalog<TContext, T>(Kind, [.. _entries, entry]);
    }

    /// <summary>A catalogue with a built-in component appended.</summary>
    public ComponentCatalog<TContext, T> Add(ComponentInfo info, Func<SpecParameters, TContext, T> factory)
        => Add(new CatalogEntry<TContext, T>(info, factory, ComponentOrigin.BuiltIn));

    /// <summary>A catalogue in which the existing component <paramref name="name"/> has the twin <paramref name="twin"/>.</summary>
    /// <exception cref="SimByzException">No component is called <paramref name="name"/> (a twin cannot drift from its rule's name).</exception>
    public ComponentCatalog<TContext, T> WithTwin(string name, Func<SpecParameters, TContext, object> twin)
    {
        ArgumentNullException.ThrowIfNull(twin);
        if (!_index.TryGetValue(name, out int i)) throw new SimByzException($"a twin was given for the unknown {Kind} '{name}' (known: {string.Join(", ", Names)})");
        var copy = (CatalogEntry<TContext, T>[])_entries.Clone();
        copy[i] = copy[i] with { Twin = twin };
        return new ComponentCatalog<TContext, T>(Kind, copy);
    }

    /// <summary>Builds the component of one parsed spec: looks up the name, runs the factory, rejects unknown parameters.</summary>
    /// <exception cref="SimByzException">Unknown name, bad or unknown parameter.</exception>
    public T Create(ComponentSpec spec, TContext context)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Build(Get(spec.Name).Factory, spec, context);
    }

    /// <summary>Parses one component (no '+' chain) and builds it.</summary>
    public T Create(string spec, TContext context) => Create(ComponentSpec.Parse(spec, Kind), context);

    /// <summary>Builds the twin of one parsed spec.</summary>
    /// <exception cref="SimByzException">Unknown name, or the component has no twin.</exception>
    public object CreateTwin(ComponentSpec spec, TContext context, string backend)
    {
        var entry = Get(spec.Name);
        if (entry.Twin is null)
        {
            var withTwin = _entries.Where(e => e.Twin is not null).Select(e => e.Info.Name);
            throw new SimByzException($"{Kind} '{spec.Name}' has no {backend} twin (with a twin: {string.Join(", ", withTwin)})");
        }
        return Build(entry.Twin, spec, context);
    }

    private R Build<R>(Func<SpecParameters, TContext, R> factory, ComponentSpec spec, TContext context)
    {
        var parameters = spec.Read(Kind);
        R built = factory(parameters, context);
        parameters.EnsureAllUsed();
        return built;
    }
}
