using TorchSharp;

namespace SimByz.Gpu;

/// <summary>
/// Runs libtorch's CPU kernels on one intra-op thread for the length of a scope, then restores the
/// thread count it found.
/// </summary>
/// <remarks>
/// <para>Why: libtorch 2.10's multi-threaded CPU backward of a convolution is not reproducible here.
/// Measured with TorchSharp alone (no SimByz code: the <c>cnn:c1=4,c2=4,fc=8</c> architecture, 20
/// repetitions of 30 SGD steps from one seed, 2 cores): with libtorch's default 2 threads every
/// repetition ended with different parameters and about half of them produced NaN gradients for the
/// first convolution's weights and bias; with 1 thread all 20 ended with identical bytes and none
/// produced NaN. SimByz's results must be reproducible bit for bit, so the torch models compute their
/// gradients and evaluations on one thread when they run on the CPU. CUDA is unaffected (the scope
/// does nothing there). The aggregation twins are not wrapped: their reductions are written to be
/// independent of the thread count.</para>
/// <para>The thread count is process-wide state of libtorch: a scope is for code that is single-threaded
/// with respect to torch, as the torch models are (they run one at a time).</para>
/// </remarks>
internal readonly struct TorchCpuThreads : IDisposable
{
    private readonly int _previous;

    private TorchCpuThreads(int previous) => _previous = previous;

    /// <summary>One intra-op thread until the scope is disposed, on the CPU; nothing on CUDA.</summary>
    public static TorchCpuThreads SingleThreaded(TorchDevice device)
    {
        if (device.IsCuda) return default;
        int previous = torch.get_num_threads();
        if (previous != 1) torch.set_num_threads(1);
        return new TorchCpuThreads(previous);
    }

    public void Dispose()
    {
        if (_previous > 1) torch.set_num_threads(_previous);
    }
}
