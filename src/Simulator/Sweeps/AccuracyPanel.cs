namespace SimByz.Simulator.Sweeps;

/// <summary>
/// Final test accuracy of one facet of a sweep (one combination of every axis value but the attack,
/// the defence and the seed): defences (rows) × attacks (columns), statistics over seeds.
/// </summary>
/// <param name="Facets">The facet's values: (column, label) for q, delay and every path column, in column order.</param>
/// <param name="Defences">Row labels, in grid order.</param>
/// <param name="Attacks">Column labels, in grid order.</param>
/// <param name="Cells">Statistics over seeds, [defence, attack]; a cell no run falls in has Count 0 and NaN values.</param>
public sealed record AccuracyPanel(IReadOnlyList<(string Column, string Label)> Facets, IReadOnlyList<string> Defences, IReadOnlyList<string> Attacks, SeedStatistics[,] Cells)
{
    /// <summary>The facet's q.</summary>
    public string Q => Facets[0].Label;

    /// <summary>The facet's compute-delay spec.</summary>
    public string Delay => Facets[1].Label;

    /// <summary>Mean over seeds, [defence, attack], in [0, 1] (NaN when a run's accuracy is).</summary>
    public double[,] Mean => Map(c => c.Mean);

    /// <summary>Sample standard deviation over seeds (NaN with one seed).</summary>
    public double[,] Std => Map(c => c.Std);

    /// <summary>Half-width of the 95 % confidence interval of the mean (NaN with one seed).</summary>
    public double[,] HalfWidth => Map(c => c.HalfWidth);

    /// <summary>Seeds per cell (the largest over the panel's cells).</summary>
    public int Seeds
    {
        get
        {
            int n = 0;
            foreach (var c in Cells) n = Math.Max(n, c.Count);
            return n;
        }
    }

    /// <summary>For defence <paramref name="row"/>: the lowest mean over the attacks and the attack it is reached at
    /// (NaN and null when a cell has no finite mean: the worst case is then unknown).</summary>
    public (double Mean, int Attack) WorstCase(int row)
    {
        double worst = double.PositiveInfinity;
        int at = -1;
        for (int a = 0; a < Attacks.Count; a++)
        {
            var cell = Cells[row, a];
            if (cell.Count == 0) continue;
            if (!double.IsFinite(cell.Mean)) return (double.NaN, -1);
            if (cell.Mean < worst) (worst, at) = (cell.Mean, a);
        }
        return at < 0 ? (double.NaN, -1) : (worst, at);
    }

    /// <summary>For defence <paramref name="row"/>: the mean over the attacks of the means over seeds.</summary>
    public double MeanOverAttacks(int row)
    {
        double sum = 0;
        int n = 0;
        for (int a = 0; a < Attacks.Count; a++)
        {
            if (Cells[row, a].Count == 0) continue;
            sum += Cells[row, a].Mean;
            n++;
        }
        return n == 0 ? double.NaN : sum / n;
    }

    private double[,] Map(Func<SeedStatistics, double> f)
    {
        var result = new double[Defences.Count, Attacks.Count];
        for (int r = 0; r < Defences.Count; r++)
        {
            for (int a = 0; a < Attacks.Count; a++) result[r, a] = f(Cells[r, a]);
        }
        return result;
    }
}
