using SimByz.Cli;
using Xunit;

namespace SimByz.Tests.Properties.Cli;

/// <summary>
/// Runs the <c>simbyz</c> command in-process (<see cref="Program.Run"/>) and checks the outcome every
/// hostile-input property demands: exit 0, or exit 2 with exactly one line <c>simbyz: error: …</c> on
/// the error stream. An exception escaping <see cref="Program.Run"/> fails the property by itself.
/// </summary>
internal static class CliHarness
{
    /// <summary>What one command did.</summary>
    public sealed record Outcome(int Code, string Out, string Err)
    {
        public override string ToString() => $"exit {Code}; stderr: {Err.Trim()}";
    }

    /// <summary>The largest memory a property's command may plan to use (far above what the cases need).</summary>
    public const string MaxMemory = "2GB";

    public static Outcome Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return new Outcome(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Exit 0 (or one of <paramref name="alsoAllowed"/>), or exit 2 with one line of error and no stack trace.</summary>
    public static void AssertSuccessOrOneLineError(Outcome r, params int[] alsoAllowed)
    {
        Assert.True(r.Code == 0 || r.Code == 2 || alsoAllowed.Contains(r.Code), $"unexpected exit code: {r}");
        Assert.DoesNotContain("   at ", r.Err + r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", r.Err, StringComparison.Ordinal);
        if (r.Code != 2) return;
        string[] lines = r.Err.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, $"the error takes {lines.Length} lines: {r.Err}");
        Assert.StartsWith("simbyz: error: ", lines[0], StringComparison.Ordinal);
    }

    /// <summary>SimByz's hidden working files (locks, working copies) in <paramref name="folder"/>.</summary>
    public static string[] WorkingFiles(string folder)
        => Directory.Exists(folder) ? Directory.GetFileSystemEntries(folder, ".*.simbyz-*").Select(e => Path.GetFileName(e)).Order(StringComparer.Ordinal).ToArray() : [];

    /// <summary>Everything under <paramref name="path"/> (names, kinds and file bytes), to compare before and after a command.</summary>
    public static string Snapshot(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is { } link) return "link -> " + link + (Directory.Exists(path) ? " [" + Snapshot(info.ResolveLinkTarget(true)!.FullName) + "]" : "");
        if (Directory.Exists(path))
        {
            return "dir {" + string.Join(", ", Directory.GetFileSystemEntries(path).Order(StringComparer.Ordinal)
                .Select(e => Path.GetFileName(e) + ": " + Snapshot(e))) + "}";
        }
        if (File.Exists(path)) return path.StartsWith("/dev/", StringComparison.Ordinal) ? "device" : "file " + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
        return "missing";
    }

    /// <summary>The repository root (where SimByz.sln is).</summary>
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SimByz.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("SimByz.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A fresh temporary folder, deleted on dispose.</summary>
    public sealed class TempFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "simbyz-hostile-" + System.IO.Path.GetRandomFileName());

        public TempFolder() => Directory.CreateDirectory(Path);

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try
            {
                if (Directory.Exists(Path)) Directory.Delete(Path, true);
            }
            catch (IOException)
            {
                // A test that failed may leave a file open; the temporary folder is only clutter.
            }
        }
    }
}
