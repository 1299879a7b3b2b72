using System.Diagnostics;
using SimByz.Cli;
using Xunit;

namespace SimByz.Tests.Unit.Sweeps;

/// <summary>`simbyz sweep submit --slurm` on a real single-node cluster (scripts/slurm-local).</summary>
[Collection("Slurm")]
public class SlurmSubmitTests
{
    private static (int Code, string Out, string Err) Simbyz(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static (int Code, string Out) Shell(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    [SlurmFact]
    public void Submit_ArrayOfThreeShardsThenCollect_ResultsByteIdenticalToTheLocalSweep()
    {
        var (up, upOutput) = Shell("bash", Path.Combine(SweepFixtures.RepoRoot, "scripts", "slurm-local"), "up");
        Assert.True(up == 0, "scripts/slurm-local up failed: " + upOutput);

        using var dir = new SweepFixtures.TempDir();
        File.WriteAllText(dir.File("grid.json"), SweepFixtures.Grid(
            "\"task.partition\": [\"iid\", \"dirichlet:alpha=0.5\"], \"defences\": [\"mean\", \"median\"], \"attacks\": [\"sign-flip:s=4\", \"label-flip\"], \"seeds\": [1, 2]"));
        var (local, _, localErr) = Simbyz("sweep", dir.File("grid.json"), "--out", dir.File("local"), "--threads", "2");
        Assert.True(local == 0, localErr);

        // The store and the output folder under a folder whose name has a space: the logs' #SBATCH --output must be quoted.
        string cluster = dir.File("on the cluster/out"), store = dir.File("on the cluster/store");
        var (code, output, err) = Simbyz("sweep", "submit", dir.File("grid.json"), "--slurm", "--store", store, "--out", cluster, "--tasks", "3");
        Assert.True(code == 0, err);
        string collectId = output.Split('\n').Single(l => l.StartsWith("collect job id: ", StringComparison.Ordinal))["collect job id: ".Length..].Trim();
        Assert.Contains("#SBATCH --array=0-2", File.ReadAllText(Path.Combine(cluster, "slurm", "array.sbatch")), StringComparison.Ordinal);

        string state = "";
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            var (_, job) = Shell("scontrol", "show", "job", collectId, "-o");
            state = job.Split(' ').FirstOrDefault(w => w.StartsWith("JobState=", StringComparison.Ordinal)) ?? job;
            if (state is "JobState=COMPLETED" or "JobState=FAILED" or "JobState=CANCELLED" or "JobState=TIMEOUT" or "JobState=NODE_FAIL" or "JobState=OUT_OF_MEMORY") break;
            if (state.Contains("DependencyNeverSatisfied", StringComparison.Ordinal) || job.Contains("DependencyNeverSatisfied", StringComparison.Ordinal)) break;
            Thread.Sleep(500);
        }
        string logs = string.Join("\n", Directory.GetFiles(Path.Combine(cluster, "slurm"), "*.out").Select(f => f + ":\n" + File.ReadAllText(f)));
        Assert.True(state == "JobState=COMPLETED", $"collect job {collectId}: {state}\n{logs}");
        Assert.Equal(3, Directory.GetFiles(Path.Combine(cluster, "slurm"), "shard-*.out").Length);
        foreach (string file in new[] { "results.csv", "summary.md", "heatmap.png", "heatmap.svg", "accuracy.png", "accuracy.svg" })
        {
            Assert.Equal(File.ReadAllBytes(dir.File("local/" + file)), File.ReadAllBytes(Path.Combine(cluster, file)));
        }
    }
}
