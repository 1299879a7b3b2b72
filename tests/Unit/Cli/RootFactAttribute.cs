using Xunit;

namespace SimByz.Tests.Unit.Cli;

/// <summary>
/// A <c>[Fact]</c> that needs root (to mount a file system): skipped, with the reason shown, when the tests do
/// not run as root. CI runs as root, so there it always runs.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!IsRoot) Skip = "needs root to mount a small tmpfs (run the tests as root, as CI does)";
    }

    /// <summary>Whether this process runs as root (effective user id 0, from /proc/self/status).</summary>
    public static bool IsRoot
    {
        get
        {
            if (!OperatingSystem.IsLinux()) return false;
            string? uid = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            string[] ids = uid?.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries) ?? [];
            return ids.Length > 2 && ids[2] == "0";
        }
    }
}
