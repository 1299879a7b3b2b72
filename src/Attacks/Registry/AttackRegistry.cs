using SimByz.Attacks.Async;
using SimByz.Attacks.Data;
using SimByz.Attacks.Gradient;
using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Attacks;

/// <summary>What an attack factory may use besides its spec.</summary>
/// <param name="Seed">The run's root seed: seeded data attacks (random label permutation) derive
/// their stream from it; adaptive attacks pass it to the private copies of the defence they build.
/// Per-round randomness never comes from here but from <see cref="AttackContext.Rng"/>.</param>
/// <param name="DeclaredByzantine">The scenario's q (−1 when unknown): the default of
/// <c>zeno-aware</c>'s b and of the private defence copies' f.</param>
public sealed record AttackBuildContext(ulong Seed = 0, int DeclaredByzantine = -1);

/// <summary>
/// Every Byzantine behaviour by stable name, built from a spec in the grammar of
/// <see cref="ComponentSpec"/> (<c>name:k=v,...</c>): gradient attacks (<c>ipm:eps=0.1</c>,
/// <c>alie:z=auto,sign=plus</c>), data attacks (<c>label-flip</c>) and asynchronous behaviours
/// (<c>stale:versions=10</c>, chained with '+').
/// </summary>
/// <remarks>
/// Entries are listed in a fixed order (the order of <c>simbyz list</c>). Unknown names, unknown or
/// malformed parameters throw <see cref="SimByzException"/> naming the spec, the parameter and what
/// is allowed. Each call builds a new instance (attacks keep buffers; one instance per simulation).
/// Thread-safe (immutable tables).
/// </remarks>
public static class AttackRegistry
{
    private sealed record Entry<T>(ComponentInfo Info, Func<SpecParameters, AttackBuildContext, T> Factory);

    private static readonly List<Entry<IGradientAttack>> GradientEntries =
    [
        new(SignFlipAttack.Info, (p, _) => SignFlipAttack.Create(p)),
        new(ZenoBitflipAttack.Info, (p, _) => ZenoBitflipAttack.Create(p)),
        new(GaussianAttack.Info, (p, _) => GaussianAttack.Create(p)),
        new(InnerProductManipulationAttack.Info, (p, _) => InnerProductManipulationAttack.Create(p)),
        new(AlieAttack.Info, (p, _) => AlieAttack.Create(p)),
        new(OptimalIpmAttack.Info, OptimalIpmAttack.Create),
        new(OptimalAlieAttack.Info, OptimalAlieAttack.Create),
        new(ZenoAwareAttack.Info, ZenoAwareAttack.Create),
        new(MimicAttack.Info, (p, _) => MimicAttack.Create(p)),
        new(NonFiniteAttack.Info, (p, _) => NonFiniteAttack.Create(p)),
        new(LargeNormAttack.Info, (p, _) => LargeNormAttack.Create(p)),
        new(ZeroAttack.Info, (p, _) => ZeroAttack.Create(p)),
        new(OmissionAttack.Info, (p, _) => OmissionAttack.Create(p)),
        new(HonestAttack.Info, (p, _) => HonestAttack.Create(p)),
    ];

    private static readonly List<Entry<IDataAttack>> DataEntries =
    [
        new(LabelFlipAttack.Info, (p, _) => LabelFlipAttack.Create(p)),
        new(LabelPermutationAttack.Info, LabelPermutationAttack.Create),
    ];

    private static readonly List<Entry<IAsyncBehaviour>> AsyncEntries =
    [
        new(StaleReplayBehaviour.Info, (p, _) => StaleReplayBehaviour.Create(p)),
        new(DelayInflationBehaviour.Info, (p, _) => DelayInflationBehaviour.Create(p)),
        new(BurstBehaviour.Info, (p, _) => BurstBehaviour.Create(p)),
    ];

    /// <summary>Gradient-level attacks (what Byzantine workers send), for <c>simbyz list</c>.</summary>
    public static IReadOnlyList<ComponentInfo> GradientAttacks { get; } = GradientEntries.Select(e => e.Info).ToList();

    /// <summary>Data-level attacks (what Byzantine workers train on).</summary>
    public static IReadOnlyList<ComponentInfo> DataAttacks { get; } = DataEntries.Select(e => e.Info).ToList();

    /// <summary>Asynchronous behaviours (timing of Byzantine messages).</summary>
    public static IReadOnlyList<ComponentInfo> AsyncBehaviours { get; } = AsyncEntries.Select(e => e.Info).ToList();

    /// <summary>Builds a gradient attack from <paramref name="spec"/>, e.g. <c>alie:variant=byzfl</c>.</summary>
    /// <exception cref="SimByzException">Malformed spec, unknown name, bad or unknown parameter.</exception>
    public static IGradientAttack CreateGradientAttack(string spec, AttackBuildContext? context = null)
    {
        var component = Single(spec, "attack");
        return Build(GradientEntries, component, context ?? new AttackBuildContext(), "attack");
    }

    /// <summary>Builds a data attack from <paramref name="spec"/>, e.g. <c>label-perm:perm=1;0</c>.</summary>
    /// <exception cref="SimByzException">Malformed spec, unknown name, bad or unknown parameter.</exception>
    public static IDataAttack CreateDataAttack(string spec, AttackBuildContext? context = null)
    {
        var component = Single(spec, "data attack");
        return Build(DataEntries, component, context ?? new AttackBuildContext(), "data attack");
    }

    /// <summary>
    /// Builds an asynchronous behaviour, or a chain of them joined by '+' (each name at most once),
    /// e.g. <c>stale:versions=10+delay:extra=50ms</c>.
    /// </summary>
    /// <exception cref="SimByzException">Malformed spec, unknown name, repeated name, bad or unknown parameter.</exception>
    public static IAsyncBehaviour CreateAsyncBehaviour(string spec, AttackBuildContext? context = null)
    {
        context ??= new AttackBuildContext();
        var chain = ComponentSpec.ParseChain(spec, "async behaviour");
        var members = new IAsyncBehaviour[chain.Count];
        for (int i = 0; i < chain.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (chain[j].Name == chain[i].Name)
                {
                    throw new SimByzException($"async behaviour '{spec}': '{chain[i].Name}' appears twice (each behaviour at most once in a chain)");
                }
            }
            members[i] = Build(AsyncEntries, chain[i], context, "async behaviour");
        }
        return members.Length == 1 ? members[0] : new AsyncBehaviourChain(members);
    }

    private static ComponentSpec Single(string spec, string what)
    {
        if ((spec ?? "").Contains('+', StringComparison.Ordinal))
        {
            throw new SimByzException($"{what} '{spec}': {what}s do not chain with '+' (give one {what}; only async behaviours chain; Zeno++ is spelled 'zenopp')");
        }
        return ComponentSpec.Parse(spec!, what);
    }

    private static T Build<T>(List<Entry<T>> entries, ComponentSpec spec, AttackBuildContext context, string what)
    {
        Entry<T>? entry = null;
        foreach (var e in entries)
        {
            if (e.Info.Name == spec.Name) entry = e;
        }
        if (entry is null) throw new SimByzException($"unknown {what} '{spec.Name}'{Hint(spec.Name, what)} (known: {string.Join(", ", entries.Select(e => e.Info.Name))})");
        var parameters = spec.Read(what);
        T built = entry.Factory(parameters, context);
        parameters.EnsureAllUsed();
        return built;
    }

    /// <summary>Points to the right factory when a name belongs to another kind.</summary>
    private static string Hint(string name, string what)
    {
        if (what != "attack" && GradientEntries.Any(e => e.Info.Name == name)) return $": '{name}' is a gradient attack";
        if (what != "data attack" && DataEntries.Any(e => e.Info.Name == name)) return $": '{name}' is a data attack";
        if (what != "async behaviour" && AsyncEntries.Any(e => e.Info.Name == name)) return $": '{name}' is an async behaviour";
        return "";
    }
}
