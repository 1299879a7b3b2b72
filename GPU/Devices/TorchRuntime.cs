using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SimByz.Scheduler;
using TorchSharp;

namespace SimByz.Gpu;

/// <summary>
/// Makes the torch backend usable: finds libtorch when the application does not carry it, loads
/// TorchSharp's native libraries once, and turns every failure into one <see cref="SimByzException"/>
/// whose message says what to do, instead of TorchSharp's type initializer exception and load trace.
/// </summary>
/// <remarks>
/// <para>Call <see cref="EnsureAvailable"/> before the first use of anything in TorchSharp (the first
/// access to <c>torch</c> runs its type initializer, which loads the native libraries);
/// <see cref="TorchDevice.Select(TorchDeviceChoice)"/> does, so code that starts from a device needs
/// nothing more.</para>
/// <para>Where libtorch comes from, first match wins: (1) the application's own copy, by its path (the
/// application folder or its runtimes/RID/native folder, as in a build from source or its tests);
/// (2) the folder named by <c>SIMBYZ_LIBTORCH_DIR</c>; (3) the NuGet global packages folder, where
/// restoring the <c>SimByz.Gpu</c> or <c>libtorch-cpu-linux-x64</c> package puts it
/// (<see cref="LibTorchLocator"/>); (4) the loader's search path (<c>LD_LIBRARY_PATH</c>, system folders).
/// An application copy comes first because TorchSharp would load it anyway: a second libtorch in the
/// same process breaks it. The search path comes last because a libtorch of another version there
/// (Debian's python3-torch installs 1.13 in /usr/lib) would shadow the right one, and once a bare name
/// is opened LibTorchSharp binds to it; when it is the only one, the message names it. The
/// <c>simbyz</c> .NET tool carries none, so (2) and (3) are its ways to get the torch backend (README,
/// "Install as a .NET tool").</para>
/// <para>Thread-safe (the load runs once, under a lock); a failure is remembered and reported again.</para>
/// </remarks>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool _loaded;
    private static string? _failure;
    private static string _source = "";
    private static IntPtr _cpuLibrary;

    /// <summary>The libtorch version TorchSharp reports, e.g. <c>2.10.0</c>.</summary>
    public static string LibTorchVersion
    {
        get
        {
            EnsureAvailable();
            return torch.__version__;
        }
    }

    /// <summary>
    /// The libtorch version this build of SimByz.Gpu was compiled against (the <c>libtorch-cpu-linux-x64</c>
    /// package version), known without loading anything.
    /// </summary>
    public static string ExpectedLibTorchVersion { get; } =
        typeof(TorchRuntime).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "SimByz.LibTorchVersion")?.Value ?? "unknown";

    /// <summary>Where the loaded libtorch came from (e.g. <c>SIMBYZ_LIBTORCH_DIR=/opt/libtorch</c>); empty before the load.</summary>
    public static string LibTorchSource
    {
        get
        {
            lock (Gate) return _source;
        }
    }

    /// <summary>Whether libtorch's oneDNN CPU kernels are on: false once the runtime is loaded (see <see cref="OneDnnSwitch"/>).</summary>
    public static bool OneDnnEnabled
    {
        get
        {
            EnsureAvailable();
            lock (Gate) return OneDnnSwitch.IsEnabled(_cpuLibrary);
        }
    }

    /// <summary>Finds and loads libtorch and TorchSharp's native backend (idempotent).</summary>
    /// <exception cref="SimByzException">libtorch is nowhere to be found (the message says how to add it), or the
    /// native libraries do not load (the message gives the loader's reason).</exception>
    public static void EnsureAvailable()
    {
        lock (Gate)
        {
            if (_loaded) return;
            if (_failure is not null) throw new SimByzException(_failure);
            try
            {
                var (source, cpuLibrary) = LocateLibTorch();
                RequireLibTorchSharp();
                InitializeTorch();
                // libtorch's oneDNN convolution backward is not reproducible (and sometimes NaN) here.
                OneDnnSwitch.Disable(cpuLibrary);
                _cpuLibrary = cpuLibrary;
                _source = source;
                _loaded = true;
            }
            catch (SimByzException e)
            {
                _failure = e.Message;
                throw;
            }
            catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or EntryPointNotFoundException)
            {
                _failure = "the torch backend cannot load TorchSharp's native libraries (" + InnermostMessage(e) + "); or use --backend cpu";
                throw new SimByzException(_failure);
            }
        }
    }

    /// <summary>The message when libtorch is nowhere: one line saying where it was looked for and how to add it.</summary>
    internal static string NotFoundMessage(LibTorchLocator.Search search)
    {
        string version = search.Version;
        string package = $"libtorch-cpu-{LibTorchLocator.Rid}";
        return $"the torch backend needs libtorch {version}, which this simbyz does not include, and found none "
            + $"({LibTorchLocator.DirectoryVariable} is not set; no {package} {version} in the NuGet packages folder {search.PackagesFolder}): "
            + HowToAdd(search);
    }

    /// <summary>How to make libtorch <see cref="LibTorchLocator.Search.Version"/> available, or do without it.</summary>
    private static string HowToAdd(LibTorchLocator.Search search)
    {
        string version = search.Version;
        string package = $"libtorch-cpu-{LibTorchLocator.Rid}";
        return $"add it with `dotnet new classlib -o /tmp/simbyz-libtorch && dotnet add /tmp/simbyz-libtorch package {package} --version {version}`, "
            + $"or set {LibTorchLocator.DirectoryVariable} to a folder holding its {LibTorchLocator.CpuLibrary} (README, 'Install as a .NET tool'); "
            + "or do without torch: --backend cpu and a managed model";
    }

    /// <summary>Returns where libtorch comes from, having loaded it when TorchSharp would not find it on its own.</summary>
    private static (string Source, IntPtr CpuLibrary) LocateLibTorch()
    {
        // The application's own copy, by its path (a build from source or its tests carry one).
        foreach (string path in ApplicationCopies())
        {
            if (File.Exists(path)) return ("the application folder", NativeLibrary.Load(path));
        }
        var search = LibTorchLocator.Search.FromEnvironment(ExpectedLibTorchVersion);
        if (LibTorchLocator.Find(search) is { } location) return (location.Source, LibTorchLocator.Load(location));
        // Last, the loader's search path (LD_LIBRARY_PATH, the system's folders), as TorchSharp would look. Only last: a
        // libtorch of another version there (Debian's python3-torch installs libtorch_cpu.so 1.13 in /usr/lib) must not
        // shadow the right one, and once a bare name is opened, LibTorchSharp binds to whatever it found.
        if (NativeLibrary.TryLoad("torch_cpu", typeof(torch).Assembly, null, out var handle))
        {
            _searchPathCopy = LoadedPathOf(LibTorchLocator.CpuLibrary) ?? "libtorch_cpu on the loader's search path";
            return ("the loader's search path (" + _searchPathCopy + ")", handle);
        }
        throw new SimByzException(NotFoundMessage(search));
    }

    /// <summary>A libtorch taken from the loader's search path, if that is where it came from (for the message when
    /// it turns out to be another version).</summary>
    private static string? _searchPathCopy;

    /// <summary>Where the application's own libtorch would be: beside TorchSharp's assembly or the application, or in
    /// their runtimes/RID/native folder.</summary>
    private static IEnumerable<string> ApplicationCopies()
    {
        string file = LibTorchLocator.CpuLibrary;
        string? assemblyDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        foreach (string? dir in new[] { AppContext.BaseDirectory, assemblyDir }.Distinct())
        {
            if (string.IsNullOrEmpty(dir)) continue;
            yield return Path.Combine(dir, "runtimes", LibTorchLocator.Rid, "native", file);
            yield return Path.Combine(dir, file);
        }
    }

    /// <summary>The path of a loaded library named <paramref name="fileName"/> (or a versioned name of it), from
    /// /proc/self/maps; null where there is none.</summary>
    private static string? LoadedPathOf(string fileName)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash < 0) continue;
                string path = line[slash..];
                if (Path.GetFileName(path).StartsWith(fileName, StringComparison.Ordinal)) return path;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>
    /// Loads LibTorchSharp as TorchSharp will, so that a failure is reported here: TorchSharp's own
    /// fallback writes a long load trace to standard output before it throws.
    /// </summary>
    private static void RequireLibTorchSharp()
    {
        try
        {
            NativeLibrary.Load("LibTorchSharp", typeof(torch).Assembly, null);
        }
        catch (DllNotFoundException e) when (_searchPathCopy is not null)
        {
            var search = LibTorchLocator.Search.FromEnvironment(ExpectedLibTorchVersion);
            throw new SimByzException(
                $"the torch backend needs libtorch {search.Version}; the only libtorch found is {_searchPathCopy} on the loader's search path, "
                + "which TorchSharp's native library cannot use (" + LibTorchLocator.LoaderReason(e) + "): "
                + HowToAdd(search));
        }
        catch (DllNotFoundException e)
        {
            throw new SimByzException(
                "the torch backend cannot load TorchSharp's native library LibTorchSharp (" + LibTorchLocator.LoaderReason(e) + "). "
                + "On Debian 12 / Ubuntu 22.04 the build patches libLibTorchSharp.so in its output (README, 'TorchSharp on Debian 12'): "
                + "run SimByz from its build or publish output, or the .NET tool; or use --backend cpu");
        }
    }

    // Kept out of line so that nothing touches the torch type before libtorch is in place.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void InitializeTorch() => torch.InitializeDeviceType(DeviceType.CPU);

    private static string InnermostMessage(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message.Split('\n')[0].Trim();
    }
}
