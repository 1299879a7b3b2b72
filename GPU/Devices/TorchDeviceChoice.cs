using SimByz.Scheduler;
using TorchSharp;

namespace SimByz.Gpu;

/// <summary>How the user asked for a device: <c>auto</c> (CUDA when available, else CPU), <c>cpu</c> or <c>cuda</c>.</summary>
public enum TorchDeviceChoice
{
    Auto,
    Cpu,
    Cuda,
}
