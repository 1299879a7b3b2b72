namespace SimByz.Cli.Progress;

/// <summary>How <see cref="ProgressDisplay"/> shows progress.</summary>
internal enum ProgressMode
{
    /// <summary>Nothing (<c>--quiet</c>).</summary>
    None,

    /// <summary>Spectre.Console bars with elapsed and remaining time, redrawn in place on the terminal's stderr.</summary>
    Live,

    /// <summary>A plain line to stderr at a steady interval, for logs and batch jobs.</summary>
    Plain,
}
