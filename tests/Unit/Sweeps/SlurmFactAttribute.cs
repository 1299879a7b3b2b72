using SimByz.Cli.Sweeps;
using Xunit;

namespace SimByz.Tests.Unit.Sweeps;

/// <summary>A test that needs a Slurm client (sbatch on PATH): skipped, saying so, where there is none.
/// CI installs slurm-wlm (.ci/run), so there it always runs.</summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (SlurmJobs.FindOnPath("sbatch") is null)
        {
            Skip = "sbatch is not installed: apt-get install slurm-wlm munge (as .ci/run does), then scripts/slurm-local up";
        }
    }
}
