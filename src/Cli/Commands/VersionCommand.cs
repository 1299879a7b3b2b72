using System.CommandLine;
using System.Reflection;

namespace SimByz.Cli.Commands;

/// <summary><c>simbyz version</c>: the SimByz version that goes into every trace header.</summary>
internal static class VersionCommand
{
    public static string SimByzVersion
        => typeof(SimByzException).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static Command Create(TextWriter output)
    {
        var command = new Command("version", "Print the SimByz version and the commit it was built from." + CommandExamples.Format("simbyz version"));
        command.SetAction(_ =>
        {
            output.WriteLine(SimByzVersion);
            output.WriteLine("commit " + SimByz.Simulator.Output.BuildInfo.Commit);
            return 0;
        });
        return command;
    }
}
