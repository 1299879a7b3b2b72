namespace SimByz.Aggregation.Rules;

/// <summary>The size penalty P(u) of the Zeno score.</summary>
public enum ZenoPenalty
{
    /// <summary>P(u) = ‖u‖² = Σⱼ uⱼ², as in the paper (Xie, Koyejo, Gupta, ICML 2019). The default.</summary>
    Sum,

    /// <summary>P(u) = (1/d) Σⱼ uⱼ², as in the reference code xcgoner/icml2019_zeno (<c>param_list[i].square().mean()</c>).</summary>
    Mean,
}
