namespace SimByz.Cli.Commands;

/// <summary>Ctrl-C cancels <see cref="Token"/> instead of killing the process, so a command can say what
/// it kept (nothing half-written) and exit 130; disposing restores the default handling.</summary>
internal sealed class ConsoleCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly ConsoleCancelEventHandler _handler;

    public ConsoleCancellation()
    {
        _handler = (_, e) =>
        {
            e.Cancel = true;
            _source.Cancel();
        };
        Console.CancelKeyPress += _handler;
    }

    /// <summary>Cancelled by Ctrl-C.</summary>
    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= _handler;
        _source.Dispose();
    }
}
