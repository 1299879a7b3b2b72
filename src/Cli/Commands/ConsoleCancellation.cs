using System.Runtime.InteropServices;

namespace SimByz.Cli.Commands;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM cancel <see cref="Token"/> instead of killing the process, so a command
/// stops at its next check, deletes what it had staged (nothing half-written) and exits with
/// <see cref="ExitCode"/>; a second signal ends the process at once (what is staged is then removed by
/// the next command that writes to the same path). Disposing restores the default handling.
/// </summary>
internal sealed class ConsoleCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signal;

    public ConsoleCancellation()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    /// <summary>Cancelled by the first Ctrl-C or SIGTERM.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>The exit code after a cancel: 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM), as a shell reports it.</summary>
    public int ExitCode => Volatile.Read(ref _signal) == (int)PosixSignal.SIGTERM ? 143 : 130;

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _source.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        // The first signal asks for a clean stop; a second one gets the default (the process ends).
        if (Interlocked.CompareExchange(ref _signal, (int)context.Signal, 0) != 0) return;
        context.Cancel = true;
        _source.Cancel();
    }
}
