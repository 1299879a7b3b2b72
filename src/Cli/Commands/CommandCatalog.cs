using System.CommandLine;

namespace SimByz.Cli.Commands;

/// <summary>Every subcommand of <c>simbyz</c>; each lives in its own file.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All(TextWriter output)
    {
        yield return VersionCommand.Create(output);
        yield return RunCommand.Create(output);
        yield return AggregateCommand.Create(output);
        yield return ListCommand.Create(output);
        yield return ReplayCommand.Create(output);
        yield return ExportCommand.Create(output);
        yield return ReproduceCommand.Create(output);
        yield return SweepCommand.Create(output);
    }
}
