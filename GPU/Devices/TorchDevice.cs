using SimByz.Scheduler;
using TorchSharp;

namespace SimByz.Gpu;

/// <summary>
/// The torch device a run uses, chosen from <c>--device auto|cpu|cuda</c>, with a one-line
/// <see cref="Description"/> that the CLI prints and traces record.
/// </summary>
/// <remarks>
/// <para><c>auto</c> (the default) takes CUDA when <c>torch.cuda.is_available()</c>, else CPU;
/// <c>cuda</c> fails with a <see cref="SimByzException"/> when no CUDA device is usable (e.g. the
/// CPU build of libtorch is installed: see README, "CUDA build").</para>
/// <para>Selecting a device first calls <see cref="TorchRuntime.EnsureAvailable"/>, which finds and
/// loads libtorch and TorchSharp's native libraries; when libtorch is missing (the .NET tool ships
/// without it) or does not load, that is one <see cref="SimByzException"/> saying how to fix it.
/// Immutable, thread-safe.</para>
/// </remarks>
public sealed class TorchDevice
{
    private TorchDevice(torch.Device device, TorchDeviceChoice requested, string description)
    {
        Device = device;
        Requested = requested;
        Description = description;
    }

    /// <summary>The TorchSharp device tensors are placed on.</summary>
    public torch.Device Device { get; }

    /// <summary>What the user asked for.</summary>
    public TorchDeviceChoice Requested { get; }

    /// <summary>True when the device is a CUDA device.</summary>
    public bool IsCuda => Device.type == DeviceType.CUDA;

    /// <summary>
    /// What was chosen and why, e.g. <c>torch:cpu (auto; CUDA not available; libtorch 2.10.0)</c>:
    /// printed by the CLI and recorded in traces.
    /// </summary>
    public string Description { get; }

    /// <summary>The CPU device (loads TorchSharp).</summary>
    public static TorchDevice Cpu => Select(TorchDeviceChoice.Cpu);

    /// <summary>Parses <c>auto</c>, <c>cpu</c> or <c>cuda</c> (case-insensitive) and selects the device.</summary>
    /// <exception cref="SimByzException">Unknown name, CUDA requested but unavailable, or TorchSharp fails to load.</exception>
    public static TorchDevice Select(string choice)
        => Select(ParseChoice(choice));

    /// <summary>Parses a device name: <c>auto</c>, <c>cpu</c> or <c>cuda</c>.</summary>
    public static TorchDeviceChoice ParseChoice(string choice) => (choice ?? "").Trim().ToLowerInvariant() switch
    {
        "auto" => TorchDeviceChoice.Auto,
        "cpu" => TorchDeviceChoice.Cpu,
        "cuda" or "gpu" => TorchDeviceChoice.Cuda,
        _ => throw new SimByzException($"device '{choice}': expected one of auto, cpu, cuda"),
    };

    /// <summary>Selects the device for <paramref name="choice"/>.</summary>
    public static TorchDevice Select(TorchDeviceChoice choice)
    {
        bool cudaAvailable = CudaAvailable();
        string version = TorchRuntime.LibTorchVersion;
        return choice switch
        {
            TorchDeviceChoice.Cpu => new(torch.CPU, choice, $"torch:cpu (requested; libtorch {version})"),
            TorchDeviceChoice.Cuda when cudaAvailable => new(torch.CUDA, choice, $"torch:cuda (requested; {torch.cuda.device_count()} device(s); libtorch {version})"),
            TorchDeviceChoice.Cuda => throw new SimByzException(
                "device 'cuda': torch.cuda.is_available() is false (no CUDA device, or the CPU build of libtorch is referenced: see README, 'CUDA build'); use --device auto or cpu"),
            _ when cudaAvailable => new(torch.CUDA, choice, $"torch:cuda (auto; CUDA available, {torch.cuda.device_count()} device(s); libtorch {version})"),
            _ => new(torch.CPU, choice, $"torch:cpu (auto; CUDA not available; libtorch {version})"),
        };
    }

    private static bool CudaAvailable()
    {
        TorchRuntime.EnsureAvailable();
        return torch.cuda.is_available();
    }

    public override string ToString() => Description;
}
