using System.Globalization;
using System.Text;

namespace SimByz.Simulator.Sweeps;

/// <summary>The axis values of one run, as results.csv names them (no scenario: cheap to compute for any run).</summary>
/// <param name="Index">The run's position in grid order.</param>
/// <param name="Coordinates">The value index on each axis of <see cref="SweepGrid.Axes"/>.</param>
/// <param name="Q">Byzantine workers.</param>
/// <param name="Delay">The compute-latency model spec.</param>
/// <param name="Attack">The attack.</param>
/// <param name="Defence">The defence spec.</param>
/// <param name="Seed">The root seed.</param>
/// <param name="Fields">The labels of the path columns (<see cref="SweepGrid.Columns"/> after the five shorthands).</param>
/// <param name="FieldNames">Their column names.</param>
public sealed record SweepPoint(int Index, IReadOnlyList<int> Coordinates, int Q, string Delay, SweepAttack Attack, string Defence, ulong Seed,
    IReadOnlyList<string> Fields, IReadOnlyList<string> FieldNames)
{
    /// <summary>The axis values but the defence as one line, for messages.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"q = {Q}, delay = {Delay}, attack = {Attack.Label}, seed = {Seed}");
        for (int i = 0; i < Fields.Count; i++) sb.Append(", ").Append(FieldNames[i]).Append(" = ").Append(Fields[i]);
        return sb.ToString();
    }
}
