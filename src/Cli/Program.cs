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
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            return Fail(error, CommandLineErrors.Describe(parse));
        }
        try
        {
            var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
            return parse.Invoke(config);
        }
        catch (SimByzException ex)
        {
            return Fail(error, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Reading or writing failed in the environment (a full disk, a read-only mount, a permission, a
            // file a library wrote itself, such as a plot): the user's to fix, so one line, like any user error.
            // The output it was for is left as it was (its working copy is deleted on the way out).
            return Fail(error, "I/O error: " + Simulator.Output.AtomicOutput.WithOutputPaths(ex.Message));
        }
    }

    /// <summary>Prints <paramref name="message"/> as one line and returns the exit code of a user error.</summary>
    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"simbyz: error: {string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}");
        return 2;
    }
}
