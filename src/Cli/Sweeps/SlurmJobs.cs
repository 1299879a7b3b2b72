using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SimByz.Cli.Sweeps;

/// <summary>
/// The two sbatch scripts of a sharded sweep on Slurm: an array job with one task per shard (task i
/// runs <c>simbyz sweep GRID --shard i/N --store DIR</c>, i = <c>SLURM_ARRAY_TASK_ID</c>), and a collect job
/// (<c>simbyz sweep collect</c>) submitted with <c>--dependency=afterok:ARRAY</c>, so it starts once every
/// task has succeeded. Every path in the scripts is absolute, and simbyz is called by the absolute
/// command that runs this process (<see cref="SimbyzCommand"/>): a job runs the same build as the submitter.
/// </summary>
/// <param name="Name">The grid's name (job names simbyz-NAME, simbyz-NAME-collect).</param>
/// <param name="Command">The simbyz command line prefix, already quoted for the shell.</param>
/// <param name="Grid">Absolute grid path.</param>
/// <param name="Store">Absolute run store folder.</param>
/// <param name="Out">Absolute output folder of the collect job.</param>
/// <param name="Logs">Absolute folder of the jobs' logs.</param>
/// <param name="Tasks">Array tasks (= shards).</param>
/// <param name="CpusPerTask">CPUs per task; the task runs that many runs at once.</param>
/// <param name="Partition">Slurm partition, or null for the cluster's default.</param>
/// <param name="Time">Time limit per task (Slurm syntax), or null.</param>
/// <param name="Extra">Options passed on to every simbyz call (--plugin, --device), already quoted.</param>
internal sealed partial record SlurmJobs(string Name, string Command, string Grid, string Store, string Out, string Logs, int Tasks, int CpusPerTask,
    string? Partition, string? Time, string Extra)
{
    /// <summary>The array job's script.</summary>
    public string ArrayScript()
    {
        var sb = Header($"simbyz-{Name}", Path.Combine(LiteralInPattern(Logs), "shard-%a.out"));
        sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --array=0-{Tasks - 1}\n");
        sb.Append(CultureInfo.InvariantCulture, $"# Task i computes shard i of {Tasks} of the grid into the run store (simbyz sweep --shard).\n");
        sb.Append("set -euo pipefail\n");
        sb.Append(CultureInfo.InvariantCulture,
            $"exec {Command} sweep {Quote(Grid)} --shard \"${{SLURM_ARRAY_TASK_ID}}/{Tasks}\" --store {Quote(Store)} --threads \"${{SLURM_CPUS_PER_TASK:-{CpusPerTask}}}\"{Extra}\n");
        return sb.ToString();
    }

    /// <summary>The collect job's script (submitted with --dependency=afterok on the array job).</summary>
    public string CollectScript()
    {
        var sb = Header($"simbyz-{Name}-collect", Path.Combine(LiteralInPattern(Logs), "collect.out"));
        sb.Append("# Runs once every array task has succeeded: results.csv, summary.md and the figures from the run store.\n");
        sb.Append("set -euo pipefail\n");
        sb.Append(CultureInfo.InvariantCulture, $"exec {Command} sweep collect {Quote(Grid)} --store {Quote(Store)} --out {Quote(Out)}{Extra}\n");
        return sb.ToString();
    }

    private StringBuilder Header(string jobName, string log)
    {
        var sb = new StringBuilder("#!/bin/bash\n");
        sb.Append("# Written by `simbyz sweep submit --slurm`.\n");
        sb.Append("#SBATCH --job-name=").Append(DirectiveValue(jobName)).Append('\n');
        sb.Append("#SBATCH --output=").Append(DirectiveValue(log)).Append('\n');
        sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={CpusPerTask}\n");
        if (Partition is not null) sb.Append("#SBATCH --partition=").Append(DirectiveValue(Partition)).Append('\n');
        if (Time is not null) sb.Append("#SBATCH --time=").Append(Time).Append('\n');
        return sb;
    }

    /// <summary>
    /// A value for an <c>#SBATCH</c> line, as sbatch reads directives (Slurm's <c>_get_argument</c>): whitespace ends an
    /// unquoted value, an unquoted <c>#</c> starts a comment, <c>'</c> and <c>"</c> open quotes and <c>\</c> escapes the next
    /// character, also inside quotes. A value with any of these is written in double quotes with <c>\</c> and <c>"</c>
    /// escaped (a log path with a space was an "Invalid directive" and the submission failed; one with a <c>#</c> was cut
    /// there without a word). Control characters (a line break would end the directive and start a command of the script)
    /// are refused before: <see cref="CheckOptions"/>, <see cref="CheckFolder"/>.
    /// </summary>
    public static string DirectiveValue(string value)
    {
        if (!value.Any(c => char.IsWhiteSpace(c) || c is '#' or '\'' or '"' or '\\')) return value;
        return "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A folder in a <c>#SBATCH --output</c> file pattern: <c>%</c> doubled, as Slurm expands <c>%j</c>, <c>%a</c>, … in it.</summary>
    public static string LiteralInPattern(string folder) => folder.Replace("%", "%%", StringComparison.Ordinal);

    /// <summary>
    /// The options that go into the scripts' directives, checked before the grid is planned: the partition and the time
    /// limit without control characters, the time in one of sbatch's formats, and the output folder when one was given
    /// (<see cref="CheckFolder"/>).
    /// </summary>
    public static void CheckOptions(string? partition, string? time, string? givenOut)
    {
        if (partition is not null && (partition.Length == 0 || partition.Any(char.IsControl)))
        {
            throw new SimByzException($"--partition '{partition}': expected a Slurm partition name (or several separated by commas), without line breaks or other control characters");
        }
        if (time is not null && !TimePattern().IsMatch(time))
        {
            throw new SimByzException($"--time '{time}': expected a Slurm time limit: MINUTES, MINUTES:SECONDS, HOURS:MINUTES:SECONDS, DAYS-HOURS, DAYS-HOURS:MINUTES, DAYS-HOURS:MINUTES:SECONDS, UNLIMITED or -1");
        }
        if (givenOut is not null) CheckFolder(givenOut, $"--out '{givenOut}'");
    }

    /// <summary>
    /// The output folder, whose <c>slurm/</c> logs are named in <c>#SBATCH --output</c>: no control character, and no
    /// backslash (a backslash anywhere in an output pattern turns Slurm's %-patterns off: on the local Slurm such a job
    /// failed to launch). Spaces, quotes, <c>#</c> and <c>%</c> are fine (quoted, and <c>%</c> doubled).
    /// </summary>
    public static void CheckFolder(string folder, string what)
    {
        if (folder.Any(c => char.IsControl(c) || c == '\\'))
        {
            throw new SimByzException($"{what}: a folder whose path holds a line break, another control character or a backslash cannot be named in an sbatch --output pattern");
        }
    }

    /// <summary>sbatch's --time formats (man sbatch): minutes, minutes:seconds, hours:minutes:seconds, days-hours,
    /// days-hours:minutes, days-hours:minutes:seconds; "UNLIMITED", "INFINITE" or -1 for no limit (Slurm's
    /// <c>time_str2mins</c> also takes "DAYS-"). ASCII digits only, and nothing after the end (not even a line break).</summary>
    [GeneratedRegex(@"^([0-9]+(:[0-9]+){0,2}|[0-9]+-([0-9]+(:[0-9]+){0,2})?|-1|(?i:unlimited|infinite))\z")]
    private static partial Regex TimePattern();

    /// <summary>A word for a POSIX shell: single-quoted unless it is made of safe characters only.</summary>
    public static string Quote(string s)
    {
        if (s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=:,@%".Contains(c, StringComparison.Ordinal))) return s;
        return "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>
    /// How to run this build of simbyz from a job: the process itself when it is the simbyz executable
    /// (apphost or .NET tool shim), else the dotnet host with the absolute path of simbyz.dll.
    /// </summary>
    public static string SimbyzCommand()
    {
        string dll = typeof(Program).Assembly.Location;
        string? process = Environment.ProcessPath;
        string processName = process is null ? "" : Path.GetFileNameWithoutExtension(process);
        if (processName == "simbyz") return Quote(process!);
        string? dotnet = processName == "dotnet" ? process : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        dotnet ??= FindOnPath("dotnet") ?? "dotnet";
        return Quote(dotnet) + " " + Quote(dll);
    }

    /// <summary>The absolute path of <paramref name="program"/> on PATH, or null.</summary>
    public static string? FindOnPath(string program)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return null;
    }
}
