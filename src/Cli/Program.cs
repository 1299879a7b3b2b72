using System.CommandLine;
using SimByz.Cli.Commands;

namespace SimByz.Cli;

/// <summary>The <c>simbyz</c> command (DESIGN.md, CLI contract).</summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command line; user errors print one message to <paramref name="error"/> and return 2.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("SimByz: a deterministic discrete-event simulator of distributed SGD with Byzantine workers.");
        foreach (var command in CommandCatalog.All(output, error, args))
        {
            root.Subcommands.Add(command);
        }
        try
        {
            var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
            return root.Parse(args).Invoke(config);
        }
        catch (SimByzException ex)
        {
            error.WriteLine($"simbyz: error: {ex.Message}");
            return 2;
        }
    }
}
