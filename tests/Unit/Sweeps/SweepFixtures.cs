using SimByz.Simulator.Sweeps;

namespace SimByz.Tests.Unit.Sweeps;

/// <summary>Tiny grids (8 workers, a few steps, a small synthetic task) and temporary folders for the sweep tests.</summary>
internal static class SweepFixtures
{
    public const string Version = "test-version";

    /// <summary>The fixed overrides that make the default scenario tiny: a run takes a few milliseconds.</summary>
    public const string TinySets =
        "\"task.data=gaussian-mixture:classes=4,features=6,train=1200,test=200,separation=3\", \"task.validation=200\", " +
        "\"workers.count=8\", \"byzantine.count=2\", \"budget.steps=4\", \"evaluation.every=2\", \"evaluation.trainRows=200\"";

    /// <summary>A grid on the tiny default scenario with the given axes object body.</summary>
    public static string Grid(string axes, string extra = "")
        => $$"""{ "name": "tiny", "base": "default", "set": [{{TinySets}}], {{extra}} "axes": { {{axes}} } }""";

    /// <summary>2 defences × 2 attacks × 1 q × 1 delay × 2 seeds = 8 runs.</summary>
    public const string SmallAxes =
        "\"defences\": [\"mean\", \"median\"], \"attacks\": [\"sign-flip:s=4\", \"label-flip\"], \"q\": [2], \"seeds\": [1, 2]";

    public static SweepGrid Parse(string json, string? baseDirectory = null)
        => SweepGrid.Parse(json, "grid.json", baseDirectory ?? Path.GetTempPath());

    public static SweepPlan Plan(string axes) => SweepPlan.Create(Parse(Grid(axes)), Version);

    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SimByz.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("SimByz.sln not found above " + AppContext.BaseDirectory);
    }

    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "simbyz-sweep-" + System.IO.Path.GetRandomFileName());

        public TempDir() => Directory.CreateDirectory(Path);

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, true);
        }
    }
}
