using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Readers;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Data.Readers;

/// <summary>
/// The built-in file data sources read a file set once per process while it does not change (<see cref="FileDataCache"/>):
/// a sweep's runs over seeds share one read. Each test uses files of its own, so tests running beside it cannot reach its
/// entries (they can push them out of the bounded cache, which only makes a test read again: the assertions on identity
/// below are made right after the read they compare with).
/// </summary>
public class FileDataCacheTests
{
    [Fact]
    public void LoadDatasetOnce_SameFilesTwice_ReadOnceTheSameDataset()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 12, 2, 3, 4, gzip: true);
        var first = IdxReader.LoadDatasetOnce(images, labels, 4);
        var again = IdxReader.LoadDatasetOnce(images, labels, 4);
        Assert.Same(first, again);
        var fresh = IdxReader.LoadDataset(images, labels, 4);
        Assert.Equal(fresh.Features, first.Features);
        Assert.Equal(fresh.Labels, first.Labels);
        // Another question about the same files is another entry.
        Assert.NotSame(first, IdxReader.LoadDatasetOnce(images, labels, 5));
    }

    /// <summary>A file replaced since it was read (another length here) is read again: no run sees stale data.</summary>
    [Fact]
    public void LoadDatasetOnce_FileReplaced_ReadAgain()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 12, 2, 3, 4, gzip: false);
        var before = IdxReader.LoadDatasetOnce(images, labels, 0);
        Assert.Equal(12, before.Count);
        files.Mnist("train", 15, 2, 3, 4, gzip: false); // the same paths, 15 images now
        var after = IdxReader.LoadDatasetOnce(images, labels, 0);
        Assert.Equal(15, after.Count);
        Assert.NotSame(before, after);
    }

    /// <summary>A read that fails is not kept: the same call fails again with the reader's message, and succeeds once the file is mended.</summary>
    [Fact]
    public void LoadDatasetOnce_BadFile_FailsEachTimeUntilMended()
    {
        using var files = new TempFiles();
        var (images, _) = files.Mnist("train", 12, 2, 3, 4, gzip: false);
        string labels = files.Write("bad-labels-idx1-ubyte", TempFiles.Idx(0x08, [11], new byte[11])); // 11 labels for 12 images
        var first = Assert.Throws<SimByzException>(() => IdxReader.LoadDatasetOnce(images, labels, 0));
        var second = Assert.Throws<SimByzException>(() => IdxReader.LoadDatasetOnce(images, labels, 0));
        Assert.Contains("12 images but 11 labels", first.Message, StringComparison.Ordinal);
        Assert.Equal(first.Message, second.Message);
        files.Write("bad-labels-idx1-ubyte", TempFiles.Idx(0x08, [12], new byte[12]));
        Assert.Equal(12, IdxReader.LoadDatasetOnce(images, labels, 0).Count);
    }

    /// <summary><c>standardize=true</c> standardizes a copy: the kept dataset keeps the pixels as read, so every later run
    /// (and every seed of a sweep) gets the same standardized features as the first, not features standardized twice.</summary>
    [Fact]
    public void Load_Standardize_LeavesTheKeptDatasetAsRead()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 20, 2, 3, 4, gzip: false);
        var (testImages, testLabels) = files.Mnist("t10k", 6, 2, 3, 4, gzip: false);
        string spec = $"idx:images={images},labels={labels},test-images={testImages},test-labels={testLabels},standardize=true";
        var first = DataSourceCatalog.Load(spec, 1);
        var second = DataSourceCatalog.Load(spec, 2);
        Assert.Equal(first.Train.Features, second.Train.Features);
        Assert.Equal(first.Test!.Features, second.Test!.Features);
        var kept = IdxReader.LoadDatasetOnce(images, labels, 0);
        Assert.Equal(IdxReader.LoadDataset(images, labels, 0).Features, kept.Features);
        Assert.NotEqual(kept.Features, first.Train.Features);
    }

    /// <summary>The cache holds at most <see cref="FileDataCache.Capacity"/> entries: reading more file sets drops the least recently used.</summary>
    [Fact]
    public void GetOrLoad_MoreFileSetsThanCapacity_DropsTheLeastRecentlyUsed()
    {
        using var files = new TempFiles();
        var sets = Enumerable.Range(0, FileDataCache.Capacity + 1).Select(k => files.Mnist($"set{k}", 4 + k, 2, 2, 3, gzip: false)).ToArray();
        int reads = 0;
        object Load(int k) => FileDataCache.GetOrLoad([sets[k].Images, sets[k].Labels], "test", () =>
        {
            reads++;
            return new object();
        });
        var firstObject = Load(0);
        Assert.Same(firstObject, Load(0));
        Assert.Equal(1, reads);
        for (int k = 1; k <= FileDataCache.Capacity; k++) Load(k);
        Assert.Equal(1 + FileDataCache.Capacity, reads);
        Assert.NotSame(firstObject, Load(0)); // pushed out by the others: read again
        Assert.Equal(2 + FileDataCache.Capacity, reads);
    }

    /// <summary>Runs asking at the same time wait for one read.</summary>
    [Fact]
    public void GetOrLoad_ManyThreadsAtOnce_OneRead()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 8, 2, 2, 3, gzip: false);
        int reads = 0;
        var results = new object[8];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, k => results[k] = FileDataCache.GetOrLoad([images, labels], "threads", () =>
        {
            Interlocked.Increment(ref reads);
            Thread.Sleep(50);
            return new object();
        }));
        Assert.Equal(1, reads);
        Assert.All(results, r => Assert.Same(results[0], r));
    }
}
