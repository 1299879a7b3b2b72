using SimByz.Attacks.Async;
using SimByz.Attacks.Data;
using SimByz.Attacks.Gradient;
using SimByz.Specs;

namespace SimByz.Attacks;

/// <summary>
/// The Byzantine behaviours, each a <see cref="ComponentCatalog{TContext, T}"/> built from specs in the
/// grammar of <see cref="ComponentSpec"/> (<c>name:k=v,...</c>): gradient attacks (<c>ipm:eps=0.1</c>,
/// <c>alie:z=auto,sign=plus</c>), data attacks (<c>label-flip</c>) and asynchronous behaviours
/// (<c>stale:versions=10</c>, chained with '+').
/// </summary>
/// <param name="Gradient">Gradient-level attacks (what Byzantine workers send).</param>
/// <param name="Data">Data-level attacks (what Byzantine workers train on).</param>
/// <param name="AsyncBehaviours">Asynchronous behaviours (timing of Byzantine messages).</param>
/// <remarks>
/// <see cref="BuiltIn"/> lists SimByz's own in the order of <c>simbyz list</c>; plug-ins extend a copy.
/// Unknown names, unknown or malformed parameters throw <see cref="SimByzException"/> naming the spec,
/// the parameter and what is allowed. Each call builds a new instance (attacks keep buffers; one
/// instance per simulation). Thread-safe (immutable).
/// </remarks>
public sealed record AttackCatalog(
    ComponentCatalog<AttackBuildContext, IGradientAttack> Gradient,
    ComponentCatalog<AttackBuildContext, IDataAttack> Data,
    ComponentCatalog<AttackBuildContext, IAsyncBehaviour> AsyncBehaviours)
{
    /// <summary>SimByz's built-in attacks and behaviours.</summary>
    public static AttackCatalog BuiltIn { get; } = new(
        new ComponentCatalog<AttackBuildContext, IGradientAttack>("attack")
            .Add(SignFlipAttack.Info, (p, _) => SignFlipAttack.Create(p))
            .Add(ZenoBitflipAttack.Info, (p, _) => ZenoBitflipAttack.Create(p))
            .Add(GaussianAttack.Info, (p, _) => GaussianAttack.Create(p))
            .Add(InnerProductManipulationAttack.Info, (p, _) => InnerProductManipulationAttack.Create(p))
            .Add(AlieAttack.Info, (p, _) => AlieAttack.Create(p))
            .Add(OptimalIpmAttack.Info, OptimalIpmAttack.Create)
            .Add(OptimalAlieAttack.Info, OptimalAlieAttack.Create)
            .Add(ZenoAwareAttack.Info, ZenoAwareAttack.Create)
            .Add(MimicAttack.Info, (p, _) => MimicAttack.Create(p))
            .Add(NonFiniteAttack.Info, (p, _) => NonFiniteAttack.Create(p))
            .Add(LargeNormAttack.Info, (p, _) => LargeNormAttack.Create(p))
            .Add(ZeroAttack.Info, (p, _) => ZeroAttack.Create(p))
            .Add(OmissionAttack.Info, (p, _) => OmissionAttack.Create(p))
            .Add(HonestAttack.Info, (p, _) => HonestAttack.Create(p)),
        new ComponentCatalog<AttackBuildContext, IDataAttack>("data attack")
            .Add(LabelFlipAttack.Info, (p, _) => LabelFlipAttack.Create(p))
            .Add(LabelPermutationAttack.Info, LabelPermutationAttack.Create),
        new ComponentCatalog<AttackBuildContext, IAsyncBehaviour>("async behaviour")
            .Add(StaleReplayBehaviour.Info, (p, _) => StaleReplayBehaviour.Create(p))
            .Add(DelayInflationBehaviour.Info, (p, _) => DelayInflationBehaviour.Create(p))
            .Add(BurstBehaviour.Info, (p, _) => BurstBehaviour.Create(p)));

    /// <summary>Gradient-level attacks, for <c>simbyz list</c>.</summary>
    public IReadOnlyList<ComponentInfo> GradientAttacks => Gradient.Infos;

    /// <summary>Data-level attacks.</summary>
    public IReadOnlyList<ComponentInfo> DataAttacks => Data.Infos;

    /// <summary>Builds a gradient attack from <paramref name="spec"/>, e.g. <c>alie:variant=byzfl</c>.</summary>
    /// <exception cref="SimByzException">Malformed spec, unknown name, bad or unknown parameter.</exception>
    public IGradientAttack CreateGradientAttack(string spec, AttackBuildContext? context = null)
        => Build(Gradient, Single(spec, Gradient.Kind), context ?? new AttackBuildContext());

    /// <summary>Builds a data attack from <paramref name="spec"/>, e.g. <c>label-perm:perm=1;0</c>.</summary>
    /// <exception cref="SimByzException">Malformed spec, unknown name, bad or unknown parameter.</exception>
    public IDataAttack CreateDataAttack(string spec, AttackBuildContext? context = null)
        => Build(Data, Single(spec, Data.Kind), context ?? new AttackBuildContext());

    /// <summary>
    /// Builds an asynchronous behaviour, or a chain of them joined by '+' (each name at most once),
    /// e.g. <c>stale:versions=10+delay:extra=50ms</c>.
    /// </summary>
    /// <exception cref="SimByzException">Malformed spec, unknown name, repeated name, bad or unknown parameter.</exception>
    public IAsyncBehaviour CreateAsyncBehaviour(string spec, AttackBuildContext? context = null)
    {
        context ??= new AttackBuildContext();
        var chain = ComponentSpec.ParseChain(spec, AsyncBehaviours.Kind);
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
            members[i] = Build(AsyncBehaviours, chain[i], context);
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

    private T Build<T>(ComponentCatalog<AttackBuildContext, T> catalog, ComponentSpec spec, AttackBuildContext context)
    {
        if (!catalog.Contains(spec.Name)) throw catalog.UnknownName(spec.Name, Hint(spec.Name, catalog.Kind));
        return catalog.Create(spec, context);
    }

    /// <summary>Points to the right factory when a name belongs to another kind.</summary>
    private string Hint(string name, string what)
    {
        if (what != Gradient.Kind && Gradient.Contains(name)) return $": '{name}' is a gradient attack";
        if (what != Data.Kind && Data.Contains(name)) return $": '{name}' is a data attack";
        if (what != AsyncBehaviours.Kind && AsyncBehaviours.Contains(name)) return $": '{name}' is an async behaviour";
        return "";
    }
}
