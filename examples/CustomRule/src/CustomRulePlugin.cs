using SimByz.Simulator.Composition;

namespace CustomRule;

/// <summary>The plug-in's entry point: SimByz finds it by reflection and calls <see cref="Register"/> once.</summary>
public sealed class CustomRulePlugin : ISimByzPlugin
{
    public void Register(PluginRegistrar registrar)
    {
        ArgumentNullException.ThrowIfNull(registrar);
        registrar
            .AddRule(PhocasRule.Info, PhocasRule.Create)
            .AddGradientAttack(MinMaxAttack.Info, (p, _) => MinMaxAttack.Create(p));
    }
}
