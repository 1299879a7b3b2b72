using System.Runtime.InteropServices;
using SimByz.Scheduler;

namespace SimByz.Gpu;

/// <summary>
/// Finds libtorch's native libraries for an application that does not carry them (the <c>simbyz</c>
/// .NET tool ships without libtorch, which is far larger than NuGet accepts) and loads them, so that
/// TorchSharp's own load of <c>LibTorchSharp</c> afterwards binds to them.
/// </summary>
/// <remarks>
/// <para>Where it looks, in order (<see cref="Find"/>): the folder named by <c>SIMBYZ_LIBTORCH_DIR</c>
/// (or its <c>runtimes/RID/native</c> or <c>lib</c> sub-folder, so that a NuGet package folder or an
/// unzipped libtorch distribution work as they are); then the NuGet global
/// packages folder (<c>$NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>): the CUDA packages
/// <c>libtorch-cuda-*-RID*</c> when one of them holds the CUDA library, else <c>libtorch-cpu-RID</c>,
/// at exactly the libtorch version TorchSharp was built against. A copy that the application carries
/// itself is used before any of these, by <see cref="TorchRuntime"/>.</para>
/// <para>Loading (<see cref="Load"/>): libtorch's libraries find one another through
/// <c>RUNPATH $ORIGIN</c>, so loading <c>libtorch_cpu.so</c> by its full path brings in
/// <c>libc10.so</c> and the bundled OpenMP; then <c>libtorch_cuda.so</c> (if any) and <c>libtorch.so</c>.
/// The dynamic loader then resolves LibTorchSharp's needs by their sonames to these already-loaded
/// libraries. When the libraries are spread over several package folders (the CUDA packages),
/// <c>$ORIGIN</c> cannot reach the siblings: they are gathered first as symbolic links in one folder
/// under the local application data folder (<c>~/.local/share/simbyz/libtorch</c>), and loaded from
/// there.</para>
/// <para>Not thread-safe: <see cref="TorchRuntime"/> calls it once, under its lock.</para>
/// </remarks>
internal static class LibTorchLocator
{
    /// <summary>The environment variable naming a folder with libtorch's native libraries.</summary>
    public const string DirectoryVariable = "SIMBYZ_LIBTORCH_DIR";

    /// <summary>Where libtorch was found: a description for messages, and the folders holding its libraries.</summary>
    internal sealed record Location(string Source, IReadOnlyList<string> Directories);

    /// <summary>What a search looks at: the value of <c>SIMBYZ_LIBTORCH_DIR</c>, the NuGet packages folder and the libtorch version.</summary>
    internal sealed record Search(string? ExplicitDirectory, string PackagesFolder, string Version)
    {
        /// <summary>The search this process makes: its environment and <paramref name="version"/>.</summary>
        public static Search FromEnvironment(string version)
        {
            string? explicitDirectory = Environment.GetEnvironmentVariable(DirectoryVariable);
            return new(string.IsNullOrWhiteSpace(explicitDirectory) ? null : explicitDirectory, NuGetPackagesFolder(), version);
        }
    }

    /// <summary>This platform's runtime identifier as NuGet package names use it, e.g. <c>linux-x64</c>.</summary>
    public static string Rid
    {
        get
        {
            string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
            string arch = RuntimeInformation.OSArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                var other => other.ToString().ToLowerInvariant(),
            };
            return $"{os}-{arch}";
        }
    }

    /// <summary>The CPU part of libtorch, present in every build: <c>libtorch_cpu.so</c> on Linux.</summary>
    public static string CpuLibrary => NativeFileName("torch_cpu");

    private static string CudaLibrary => NativeFileName("torch_cuda");

    private static string TorchLibrary => NativeFileName("torch");

    /// <summary>The NuGet global packages folder: <c>$NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>.</summary>
    public static string NuGetPackagesFolder()
    {
        string? configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        return string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages")
            : configured;
    }

    /// <summary>The CPU package's native folder in <paramref name="packagesFolder"/>, where restoring <c>SimByz.Gpu</c> puts libtorch.</summary>
    public static string CpuPackageDirectory(string packagesFolder, string version)
        => Path.Combine(packagesFolder, $"libtorch-cpu-{Rid}", version, "runtimes", Rid, "native");

    /// <summary>Where <paramref name="search"/> finds libtorch, or null when it is in none of the places.</summary>
    /// <exception cref="SimByzException"><c>SIMBYZ_LIBTORCH_DIR</c> is set but holds no libtorch: an explicit
    /// choice that fails is reported, not passed over.</exception>
    public static Location? Find(Search search)
    {
        if (search.ExplicitDirectory is { } explicitDirectory)
        {
            string full = Path.GetFullPath(explicitDirectory);
            foreach (string dir in new[] { full, Path.Combine(full, "runtimes", Rid, "native"), Path.Combine(full, "lib") })
            {
                if (File.Exists(Path.Combine(dir, CpuLibrary))) return new($"{DirectoryVariable}={explicitDirectory}", [dir]);
            }
            throw new SimByzException(
                $"{DirectoryVariable}={explicitDirectory}: no {CpuLibrary} there, nor in its runtimes/{Rid}/native or lib folder; " +
                $"point it at the folder that holds libtorch {search.Version}'s native libraries, or unset it");
        }
        if (!Directory.Exists(search.PackagesFolder)) return null;
        // Whoever restored a CUDA build of libtorch wants the GPU: it comes before the CPU build.
        var cudaDirectories = Directory.GetDirectories(search.PackagesFolder, $"libtorch-cuda-*-{Rid}*")
            .Select(package => Path.Combine(package, search.Version, "runtimes", Rid, "native"))
            .Where(Directory.Exists)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (cudaDirectories.Any(dir => File.Exists(Path.Combine(dir, CudaLibrary))))
        {
            return new($"the NuGet packages folder {search.PackagesFolder} (libtorch-cuda-*-{Rid} {search.Version})", cudaDirectories);
        }
        string cpu = CpuPackageDirectory(search.PackagesFolder, search.Version);
        return File.Exists(Path.Combine(cpu, CpuLibrary))
            ? new($"the NuGet packages folder {search.PackagesFolder} (libtorch-cpu-{Rid} {search.Version})", [cpu])
            : null;
    }

    /// <summary>Loads libtorch from <paramref name="location"/> into the process (see the remarks); returns the handle of its CPU library.</summary>
    /// <exception cref="SimByzException">A library of libtorch does not load; the message carries the loader's reason.</exception>
    public static IntPtr Load(Location location)
    {
        string directory = location.Directories.Count == 1
            ? location.Directories[0]
            : Consolidate(location.Directories, Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "simbyz", "libtorch"));
        if (!File.Exists(Path.Combine(directory, CpuLibrary)))
        {
            throw new SimByzException($"libtorch from {location.Source} is incomplete: no {CpuLibrary} in {string.Join(", ", location.Directories)}");
        }
        // Dependency order: the CUDA part needs the CPU part, libtorch.so needs both.
        IntPtr cpu = IntPtr.Zero;
        foreach (string name in new[] { CpuLibrary, CudaLibrary, TorchLibrary })
        {
            string path = Path.Combine(directory, name);
            if (!File.Exists(path)) continue;
            try
            {
                var handle = NativeLibrary.Load(path);
                if (name == CpuLibrary) cpu = handle;
            }
            catch (DllNotFoundException e)
            {
                throw new SimByzException($"libtorch from {location.Source} does not load: {LoaderReason(e)}");
            }
        }
        return cpu;
    }

    /// <summary>
    /// A folder of symbolic links to every file of <paramref name="directories"/> (the first of a name wins),
    /// under <paramref name="root"/> and named by a hash of the folders, so that <c>$ORIGIN</c> finds all of
    /// libtorch's libraries beside one another. Made once; an existing correct link is kept.
    /// </summary>
    internal static string Consolidate(IReadOnlyList<string> directories, string root)
    {
        string key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", directories))))[..16];
        string target = Path.Combine(root, key);
        Directory.CreateDirectory(target);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string directory in directories)
        {
            foreach (string file in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(file);
                if (!seen.Add(name)) continue;
                string link = Path.Combine(target, name);
                var existing = new FileInfo(link);
                if (existing.LinkTarget == file) continue;
                if (existing.Exists || existing.LinkTarget is not null) existing.Delete();
                try
                {
                    File.CreateSymbolicLink(link, file);
                }
                catch (IOException) when (new FileInfo(link).LinkTarget == file)
                {
                    // Another simbyz made the same link meanwhile.
                }
            }
        }
        return target;
    }

    /// <summary>The loader's own words (dlerror) from .NET's message, e.g. <c>libc10.so: cannot open shared object file: …</c>.</summary>
    internal static string LoaderReason(Exception e)
    {
        // .NET's message: a generic first line, then the loader's error for each path it tried. A file that
        // exists but does not load (a missing version, a missing dependency) says more than the paths that do not exist.
        var details = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1).ToList();
        return details.FirstOrDefault(line => !line.EndsWith("No such file or directory", StringComparison.Ordinal) || !line.StartsWith('/'))
               ?? details.FirstOrDefault()
               ?? e.Message;
    }

    private static string NativeFileName(string stem)
        => OperatingSystem.IsWindows() ? $"{stem}.dll" : OperatingSystem.IsMacOS() ? $"lib{stem}.dylib" : $"lib{stem}.so";
}
