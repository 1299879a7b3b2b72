using SimByz.Gpu;
using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Gpu;

/// <summary>
/// Where the torch backend looks for libtorch when the application carries none (the .NET tool), on
/// folders made up in a temporary directory. Loading itself is checked end to end by scripts/check-tool.
/// </summary>
public sealed class LibTorchLocatorTests : IDisposable
{
    private const string Version = "2.10.0";
    private readonly string _root = Directory.CreateTempSubdirectory("simbyz-locator-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Native => Path.Combine("runtimes", LibTorchLocator.Rid, "native");

    private string Touch(params string[] parts)
    {
        string path = Path.Combine([_root, .. parts]);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        return path;
    }

    [Fact]
    public void Find_ExplicitDirectoryHoldsCpuLibrary_ReturnsThatDirectory()
    {
        Touch("lt", LibTorchLocator.CpuLibrary);
        string dir = Path.Combine(_root, "lt");

        var location = LibTorchLocator.Find(new(dir, Path.Combine(_root, "nuget"), Version));

        Assert.NotNull(location);
        Assert.Equal([dir], location.Directories);
        Assert.Contains(LibTorchLocator.DirectoryVariable, location.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_ExplicitDirectoryIsAPackageFolder_FindsItsNativeFolder()
    {
        Touch("libtorch-cpu", Version, Native, LibTorchLocator.CpuLibrary);
        Touch("pytorch", "lib", LibTorchLocator.CpuLibrary);

        var package = LibTorchLocator.Find(new(Path.Combine(_root, "libtorch-cpu", Version), "", Version));
        var distribution = LibTorchLocator.Find(new(Path.Combine(_root, "pytorch"), "", Version));

        Assert.Equal([Path.Combine(_root, "libtorch-cpu", Version, Native)], package!.Directories);
        Assert.Equal([Path.Combine(_root, "pytorch", "lib")], distribution!.Directories);
    }

    [Fact]
    public void Find_ExplicitDirectoryWithoutLibtorch_ThrowsNamingTheVariable()
    {
        // Packages that would otherwise be found: an explicit choice that fails is reported, not passed over.
        Touch("nuget", $"libtorch-cpu-{LibTorchLocator.Rid}", Version, Native, LibTorchLocator.CpuLibrary);
        string empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;

        var error = Assert.Throws<SimByzException>(() => LibTorchLocator.Find(new(empty, Path.Combine(_root, "nuget"), Version)));

        Assert.StartsWith($"{LibTorchLocator.DirectoryVariable}={empty}: no {LibTorchLocator.CpuLibrary}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_CpuPackageRestored_ReturnsItsNativeFolder()
    {
        string library = Touch("nuget", $"libtorch-cpu-{LibTorchLocator.Rid}", Version, Native, LibTorchLocator.CpuLibrary);

        var location = LibTorchLocator.Find(new(null, Path.Combine(_root, "nuget"), Version));

        Assert.Equal([Path.GetDirectoryName(library)!], location!.Directories);
        Assert.Equal(Path.GetDirectoryName(library), LibTorchLocator.CpuPackageDirectory(Path.Combine(_root, "nuget"), Version));
    }

    [Fact]
    public void Find_OnlyAnotherVersionRestored_ReturnsNull()
    {
        Touch("nuget", $"libtorch-cpu-{LibTorchLocator.Rid}", "2.7.1", Native, LibTorchLocator.CpuLibrary);

        Assert.Null(LibTorchLocator.Find(new(null, Path.Combine(_root, "nuget"), Version)));
        Assert.Null(LibTorchLocator.Find(new(null, Path.Combine(_root, "no-such-folder"), Version)));
    }

    [Fact]
    public void Find_CudaPackagesRestored_PreferredOverCpuWithEveryPartInOrder()
    {
        string rid = LibTorchLocator.Rid;
        Touch("nuget", $"libtorch-cpu-{rid}", Version, Native, LibTorchLocator.CpuLibrary);
        Touch("nuget", $"libtorch-cuda-12.8-{rid}-part2", Version, Native, "libtorch_cuda.so");
        Touch("nuget", $"libtorch-cuda-12.8-{rid}-part1", Version, Native, LibTorchLocator.CpuLibrary);
        Touch("nuget", $"libtorch-cuda-12.8-{rid}", Version, "libtorch-cuda.nuspec");

        var location = LibTorchLocator.Find(new(null, Path.Combine(_root, "nuget"), Version));

        Assert.Equal(
            [
                Path.Combine(_root, "nuget", $"libtorch-cuda-12.8-{rid}-part1", Version, Native),
                Path.Combine(_root, "nuget", $"libtorch-cuda-12.8-{rid}-part2", Version, Native),
            ],
            location!.Directories);
    }

    [Fact]
    public void Consolidate_SplitFolders_LinksEveryFileOnceFirstFolderWinsAndIsIdempotent()
    {
        string a = Path.GetDirectoryName(Touch("a", "libc10.so"))!;
        Touch("a", "libshared.so");
        string b = Path.GetDirectoryName(Touch("b", LibTorchLocator.CpuLibrary))!;
        Touch("b", "libshared.so");
        string cache = Path.Combine(_root, "cache");

        string first = LibTorchLocator.Consolidate([a, b], cache);
        string second = LibTorchLocator.Consolidate([a, b], cache);

        Assert.Equal(first, second);
        Assert.Equal(new[] { "libc10.so", "libshared.so", LibTorchLocator.CpuLibrary }.Order(StringComparer.Ordinal),
            Directory.GetFiles(first).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(Path.Combine(a, "libshared.so"), new FileInfo(Path.Combine(first, "libshared.so")).LinkTarget);
        Assert.NotEqual(first, LibTorchLocator.Consolidate([b, a], cache));
    }

    [Fact]
    public void NotFoundMessage_NothingFound_OneLineSayingHowToAddLibtorch()
    {
        string message = TorchRuntime.NotFoundMessage(new(null, "/home/u/.nuget/packages", Version));

        Assert.DoesNotContain('\n', message);
        Assert.Contains($"libtorch {Version}", message, StringComparison.Ordinal);
        Assert.Contains($"{LibTorchLocator.DirectoryVariable} is not set", message, StringComparison.Ordinal);
        Assert.Contains("/home/u/.nuget/packages", message, StringComparison.Ordinal);
        Assert.Contains($"package libtorch-cpu-{LibTorchLocator.Rid} --version {Version}", message, StringComparison.Ordinal);
        Assert.Contains("--backend cpu", message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoaderReason_SeveralPathsTried_PrefersTheFileThatExistsButDoesNotLoad()
    {
        var e = new DllNotFoundException(
            "Unable to load shared library 'LibTorchSharp' or one of its dependencies. In order to help diagnose loading problems, consider using a tool like strace.\n"
            + "/app/LibTorchSharp.so: cannot open shared object file: No such file or directory\n"
            + "/app/libLibTorchSharp.so: version `GLIBCXX_3.4.32' not found\n");
        var missingDependency = new DllNotFoundException(
            "Unable to load shared library '/x/libtorch_cpu.so' or one of its dependencies.\nlibc10.so: cannot open shared object file: No such file or directory\n");

        Assert.Equal("/app/libLibTorchSharp.so: version `GLIBCXX_3.4.32' not found", LibTorchLocator.LoaderReason(e));
        Assert.Equal("libc10.so: cannot open shared object file: No such file or directory", LibTorchLocator.LoaderReason(missingDependency));
    }
}
