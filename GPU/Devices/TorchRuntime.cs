using SimByz.Scheduler;
using TorchSharp;

namespace SimByz.Gpu;

/// <summary>
/// Loads TorchSharp's native backend once and turns a load failure into a <see cref="SimByzException"/>
/// whose message says what to do, instead of a <see cref="TypeInitializationException"/>.
/// </summary>
/// <remarks>Thread-safe (the load runs once, under a lock).</remarks>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool _loaded;
    private static string? _failure;

    /// <summary>The libtorch version TorchSharp reports, e.g. <c>2.10.0</c>.</summary>
    public static string LibTorchVersion
    {
        get
        {
            EnsureLoaded();
            return torch.__version__;
        }
    }

    /// <summary>Loads the native backend (idempotent).</summary>
    /// <exception cref="SimByzException">The native libraries cannot be loaded.</exception>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded) return;
            if (_failure is not null) throw new SimByzException(_failure);
            try
            {
                // Any torch call runs torch's type initializer, which loads libLibTorchSharp.so and libtorch.
                torch.InitializeDeviceType(DeviceType.CPU);
                _loaded = true;
            }
            catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or EntryPointNotFoundException)
            {
                Exception inner = e;
                while (inner.InnerException is not null) inner = inner.InnerException;
                _failure = "the torch backend cannot load TorchSharp's native libraries (" + inner.Message.Split('\n')[0].Trim()
                    + "). On Debian 12 / Ubuntu 22.04 the build patches libLibTorchSharp.so in the output (README, 'TorchSharp on Debian 12'): "
                    + "rebuild the project, and run it from its build output; or use --backend cpu";
                throw new SimByzException(_failure);
            }
        }
    }
}
