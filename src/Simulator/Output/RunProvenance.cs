using Newtonsoft.Json.Linq;

namespace SimByz.Simulator.Output;

/// <summary>Where a result came from, for summary.json: the command line, every <c>--set</c> override in order, the
/// warnings printed, and (from <see cref="BuildInfo"/>) the SimByz version and commit.</summary>
/// <param name="CommandLine">The command as typed, arguments quoted where needed.</param>
/// <param name="Overrides">The <c>--set key=value</c> overrides, in the order applied.</param>
/// <param name="Warnings">The one-line warnings about the scenario (<see cref="Scenarios.ScenarioWarnings"/>).</param>
public sealed record RunProvenance(string CommandLine, IReadOnlyList<string> Overrides, IReadOnlyList<string> Warnings)
{
    /// <summary>The "provenance" object of summary.json.</summary>
    public JObject ToJson() => new(
        new JProperty("commandLine", CommandLine),
        new JProperty("overrides", new JArray(Overrides)),
        new JProperty("simbyzVersion", BuildInfo.Version),
        new JProperty("commit", BuildInfo.Commit));

    /// <summary>Joins arguments into one command line, quoting those with spaces or shell metacharacters.</summary>
    public static string Join(string program, IEnumerable<string> args)
        => string.Join(' ', new[] { program }.Concat(args.Select(Quote)));

    private static string Quote(string arg)
        => arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_.,:=/+@%".Contains(c, StringComparison.Ordinal))
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
