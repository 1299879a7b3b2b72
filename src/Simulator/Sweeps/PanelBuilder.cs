namespace SimByz.Simulator.Sweeps;

/// <summary>Collects one facet's accuracies, by defence and attack in first-seen (grid) order: a
/// <see cref="SeedAccumulator"/> per cell, not the values.</summary>
internal sealed class PanelBuilder
{
    private readonly IReadOnlyList<(string Column, string Label)> _facets;
    private readonly List<string> _defences = [];
    private readonly List<string> _attacks = [];
    private readonly Dictionary<(int Defence, int Attack), SeedAccumulator> _values = [];

    public PanelBuilder(IReadOnlyList<(string Column, string Label)> facets) => _facets = facets;

    public void Add(string defence, string attack, double accuracy)
    {
        int d = _defences.IndexOf(defence);
        if (d < 0) { d = _defences.Count; _defences.Add(defence); }
        int a = _attacks.IndexOf(attack);
        if (a < 0) { a = _attacks.Count; _attacks.Add(attack); }
        if (!_values.TryGetValue((d, a), out var cell)) _values[(d, a)] = cell = new SeedAccumulator();
        cell.Add(accuracy);
    }

    public AccuracyPanel Build()
    {
        var cells = new SeedStatistics[_defences.Count, _attacks.Count];
        for (int d = 0; d < _defences.Count; d++)
        {
            for (int a = 0; a < _attacks.Count; a++)
            {
                cells[d, a] = _values.TryGetValue((d, a), out var cell) ? cell.Statistics() : SeedStatistics.Of([]);
            }
        }
        return new AccuracyPanel(_facets, _defences, _attacks, cells);
    }
}
