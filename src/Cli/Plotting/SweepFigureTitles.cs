using SimByz.Simulator.Sweeps;

namespace SimByz.Cli.Plotting;

/// <summary>The titles of a sweep's figures: the figure title names the grid and what is plotted, the subtitle the base
/// scenario and the facet values every panel shares, and each panel title the facet values that vary.</summary>
internal static class SweepFigureTitles
{
    /// <summary>The figure title and subtitle; <paramref name="seeds"/> formats the seed note (from the number of seeds), used
    /// in the title when every panel has the same number of seeds above one.</summary>
    public static (string Title, string Subtitle) Of(SweepGrid grid, IReadOnlyList<AccuracyPanel> panels, Func<int, string> seeds)
    {
        string title = $"{grid.Name}: final test accuracy (%)";
        if (SharedSeeds(panels) is int n and > 1) title += ", " + seeds(n);
        var varying = SweepResults.VaryingFacets(grid);
        var parts = new List<string> { $"base scenario {grid.BaseLabel}" };
        if (panels.Count > 0)
        {
            foreach (var (column, label) in panels[0].Facets)
            {
                if (varying.Contains(column)) continue;
                parts.Add(column == "delay" ? $"compute delay {label}" : $"{column} = {label}");
            }
        }
        return (title, string.Join(" · ", parts));
    }

    /// <summary>A panel's title: its varying facet values, and its seed note when panels differ in seeds.</summary>
    public static string Panel(SweepGrid grid, IReadOnlyList<AccuracyPanel> panels, AccuracyPanel panel, Func<int, string> seeds)
    {
        string title = SweepResults.PanelTitle(grid, panel);
        if (SharedSeeds(panels) is null && panel.Seeds > 1) title = title.Length > 0 ? $"{title}, {seeds(panel.Seeds)}" : seeds(panel.Seeds);
        return title;
    }

    private static int? SharedSeeds(IReadOnlyList<AccuracyPanel> panels)
    {
        if (panels.Count == 0) return null;
        int n = panels[0].Seeds;
        foreach (var p in panels)
        {
            if (p.Seeds != n) return null;
        }
        return n;
    }
}
