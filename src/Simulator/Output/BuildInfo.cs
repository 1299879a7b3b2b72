using System.Reflection;

namespace SimByz.Simulator.Output;

/// <summary>The SimByz version and the git commit it was built from, read from the assembly's informational version
/// (<c>0.1.0+&lt;commit&gt;</c>: the SDK's Source Link appends <c>SourceRevisionId</c> when building from git).</summary>
/// <remarks>Traces record <see cref="Version"/> only, so that a rebuild from another commit still replays them;
/// summaries record both.</remarks>
public static class BuildInfo
{
    private static readonly string Informational =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The version without build metadata, e.g. <c>0.1.0</c>.</summary>
    public static string Version => Informational.Split('+')[0];

    /// <summary>The full git commit hash, or <c>unknown</c> when built outside git.</summary>
    public static string Commit
    {
        get
        {
            int plus = Informational.IndexOf('+', StringComparison.Ordinal);
            return plus >= 0 && plus + 1 < Informational.Length ? Informational[(plus + 1)..] : "unknown";
        }
    }
}
