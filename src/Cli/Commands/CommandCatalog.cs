using System.CommandLine;

namespace SimByz.Cli.Commands;

/// <summary>Every subcommand of <c>simbyz</c>; each lives in its own file.</summary>
internal static class CommandCatalog
{
    /// <param name="output">Where commands write their results (stdout).</param>
    /// <param name="error">Where progress and warnings go (stderr), never mixed into results.</param>
    /// <param name="args">The command line, recorded in summaries.</param>
    public static IEnumerable<Command> All(TextWriter output, TextWriter error, IReadOnlyList<string> args)
    {
        yield return VersionCommand.Create(output);
        yield return RunCommand.Create(output, error, args);
        yield return AggregateCommand.Create(output);
        yield return ListCommand.Create(output);
        yield return ReplayCommand.Create(output, error);
        yield return ExportCommand.Create(output);
        yield return ReproduceCommand.Create(output, error);
        yield return SweepCommand.Create(output);
        yield return SchemaCommand.Create(output);
    }
}
