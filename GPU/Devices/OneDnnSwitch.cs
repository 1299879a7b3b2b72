using System.Runtime.InteropServices;

namespace SimByz.Gpu;

/// <summary>
/// Turns off libtorch's oneDNN (MKL-DNN) CPU kernels for the process, through the C++ entry points of
/// <c>at::globalContext()</c> in <c>libtorch_cpu.so</c> (TorchSharp does not expose the switch).
/// </summary>
/// <remarks>
/// <para>Why: libtorch 2.10's oneDNN convolution backward is not reproducible on this machine kind
/// (2 cores, AVX-512). Measured with TorchSharp alone (the <c>cnn:c1=4,c2=4,fc=8</c> architecture on
/// 1×8×8 input, 20 repetitions of 30 SGD steps from one seed): with oneDNN on, every repetition ended
/// with other parameters and a quarter to two thirds of them produced NaN gradients for the first
/// convolution — more often when freed memory held NaN, so the kernel reads memory it did not write;
/// one thread made it rarer, not gone. With oneDNN off (ATen's own convolution), all 20 repetitions
/// ended with identical bytes and none produced NaN, with either thread count. Equivalent to PyTorch's
/// <c>torch.backends.mkldnn.enabled = False</c>.</para>
/// <para>The entry points are <c>at::globalContext()</c> and <c>at::Context::setUserEnabledMkldnn(bool)</c>,
/// called with the x86-64 System V convention (the context as the first argument); both are exported
/// by every libtorch 2.x build, CPU and CUDA.</para>
/// </remarks>
internal static class OneDnnSwitch
{
    private const string GlobalContextSymbol = "_ZN2at13globalContextEv";
    private const string SetEnabledSymbol = "_ZN2at7Context20setUserEnabledMkldnnEb";
    private const string IsEnabledSymbol = "_ZNK2at7Context17userEnabledMkldnnEv";

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContextFunction();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetEnabledFunction(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool IsEnabledFunction(IntPtr context);

    /// <summary>Turns oneDNN off in the libtorch loaded as <paramref name="libTorchCpu"/>.</summary>
    /// <exception cref="EntryPointNotFoundException">This libtorch does not export the switch.</exception>
    public static void Disable(IntPtr libTorchCpu)
    {
        var context = Function<GlobalContextFunction>(libTorchCpu, GlobalContextSymbol)();
        Function<SetEnabledFunction>(libTorchCpu, SetEnabledSymbol)(context, false);
    }

    /// <summary>Whether oneDNN is on in the libtorch loaded as <paramref name="libTorchCpu"/>.</summary>
    public static bool IsEnabled(IntPtr libTorchCpu)
    {
        var context = Function<GlobalContextFunction>(libTorchCpu, GlobalContextSymbol)();
        return Function<IsEnabledFunction>(libTorchCpu, IsEnabledSymbol)(context);
    }

    private static T Function<T>(IntPtr library, string symbol)
        where T : Delegate
        => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, symbol));
}
