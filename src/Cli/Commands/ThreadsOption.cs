using System.CommandLine;
using System.Globalization;

namespace SimByz.Cli.Commands;

/// <summary>
/// The <c>--threads N</c> option of <c>run</c>, <c>replay</c>, <c>reproduce</c> and <c>sweep</c>: how many defences, or
/// runs, go at once (results never depend on it). Defaults to the processor count; a count below 1 is refused, where it
/// used to be taken as 1 without a word.
/// </summary>
internal static class ThreadsOption
{
    public static Option<int> Create(string description) => new("--threads")
    {
        Description = description,
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    /// <summary>The count given, or a <see cref="SimByzException"/> naming it when it is below 1.</summary>
    public static int Parse(int value) => value >= 1
        ? value
        : throw new SimByzException($"--threads '{value.ToString(CultureInfo.InvariantCulture)}': expected a whole number, at least 1");
}
