namespace SimByz.Simulator.Data.Partitioning;

/// <summary>The two Dirichlet procedures found in the literature and public code.</summary>
public enum DirichletVariant
{
    /// <summary>
    /// Hsu, Qi and Brown 2019 ("Measuring the effects of non-identical data distribution"): each
    /// worker has a near-equal share of the rows and its own class mix q ~ Dir(α·p), p the class
    /// frequencies. The default.
    /// </summary>
    Hsu,

    /// <summary>
    /// Yurochkin et al. 2019, as coded in NIID-Bench (Li et al. 2022, <c>noniid-labeldir</c>): per
    /// class, proportions over the workers ~ Dir_n(α) cut that class's rows; redrawn until every
    /// worker has at least <c>min-size</c> rows. Worker sizes vary.
    /// </summary>
    PerClass,
}
