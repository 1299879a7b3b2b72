using Xunit;

namespace SimByz.Tests.Unit.Cli;

/// <summary>
/// The CLI compiles methods with loops optimized at once (<c>TieredCompilationQuickJitForLoops</c> false in its
/// runtimeconfig, for speed). How the JIT compiles never reaches a result: the same run writes the same metrics bytes
/// under the shipped setting, under the runtime's default (quick JIT for loops, then on-stack replacement), and with
/// tiered compilation off.
/// </summary>
public sealed class JitSettingsTests
{
    [Fact]
    public void Run_UnderEachJitSetting_WritesTheSameMetricsBytes()
    {
        Assert.Contains("\"System.Runtime.TieredCompilation.QuickJitForLoops\": false",
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "simbyz.runtimeconfig.json")), StringComparison.Ordinal);
        using var tmp = new OutputOwnershipTests.TempFolder();
        string[] settings = ["shipped", "DOTNET_TC_QuickJitForLoops", "DOTNET_TieredCompilation"];
        var metrics = new List<byte[]>();
        foreach (string setting in settings)
        {
            // QuickJitForLoops=1 restores the runtime's default; TieredCompilation=0 compiles everything fully at once.
            var environment = setting == "shipped" ? null : new Dictionary<string, string> { [setting] = setting == "DOTNET_TC_QuickJitForLoops" ? "1" : "0" };
            using var process = OutputOwnershipTests.SimByzProcess.Start(tmp.Path,
                ["run", "--seed", "3", "--set", "budget.steps=120", "--set", "evaluation.every=40", "--no-trace", "--quiet", "--out", setting], environment);
            var outcome = process.Finish();
            Assert.True(outcome.Code == 0, $"{setting}: {outcome}");
            metrics.Add(File.ReadAllBytes(Path.Combine(tmp.Path, setting, "metrics.csv")));
        }
        Assert.True(metrics[0].Length > 200, "the run wrote its metrics");
        Assert.Equal(metrics[0], metrics[1]);
        Assert.Equal(metrics[0], metrics[2]);
    }
}
