using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Traces;

namespace SimByz.Tests.Unit.Simulator.Traces;

/// <summary>Small scenarios and their traces, shared by the trace tests (each trace recorded once).</summary>
internal static class TraceFixtures
{
    public const string Version = "test";

    public static string RepoRoot { get; } = FindRoot();

    public static string ScenarioPath(string name) => Path.Combine(RepoRoot, "traces", name + ".scenario.json");

    public static Scenario Golden(string name) => ScenarioLoader.Load(ScenarioPath(name));

    private static readonly Lazy<TraceContent> SyncTrace = new(() => Record(Golden("golden-sync"), payloads: true));
    private static readonly Lazy<TraceContent> AsyncTrace = new(() => Record(Golden("golden-async"), payloads: true));

    /// <summary>The golden sync scenario's trace (with payloads).</summary>
    public static TraceContent Sync => SyncTrace.Value;

    /// <summary>The golden async scenario's trace (with payloads).</summary>
    public static TraceContent Async => AsyncTrace.Value;

    public static TraceContent Record(Scenario scenario, bool payloads = false, int threads = 1, string version = Version)
        => TracedExperiment.Run(scenario, ScenarioBuilder.Build(scenario), version, trace: true, recordPayloads: payloads, maxThreads: threads).Trace!;

    /// <summary>A fresh temporary folder, deleted by the returned handle.</summary>
    public static TempDir Temp() => new();

    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "simbyz-trace-" + System.IO.Path.GetRandomFileName());

        public TempDir() => Directory.CreateDirectory(Path);

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, true);
        }
    }

    /// <summary>Writes <paramref name="trace"/> (and its sidecar) into <paramref name="dir"/>; returns the trace path.</summary>
    public static string Write(TraceContent trace, string dir)
    {
        using var files = new SimByz.Simulator.Output.AtomicOutput(dir);
        trace.WriteTo(files);
        files.Commit();
        return System.IO.Path.Combine(dir, TraceContent.FileName);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "SimByz.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("SimByz.sln not found above " + AppContext.BaseDirectory);
    }
}
