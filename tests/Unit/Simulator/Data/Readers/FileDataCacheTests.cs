using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Readers;
using SimByz.Simulator.Sweeps;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Data.Readers;

/// <summary>
/// Within a sweep the file data sources read a file set once, not once per seed (<see cref="FileDataCache"/>, one per
/// sweep, in use on a thread through <see cref="FileDataCache.Use"/>). Every test has its own cache and its own files.
/// </summary>
public class FileDataCacheTests
{
    [Fact]
    public void LoadDatasetShared_InAScope_ReadOnce_OutsideEveryTime()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 12, 2, 3, 4, gzip: true);
        Dataset first, again;
        using (FileDataCache.Use(new FileDataCache()))
        {
            first = IdxReader.LoadDatasetShared(images, labels, 4);
            again = IdxReader.LoadDatasetShared(images, labels, 4);
            Assert.NotSame(first, IdxReader.LoadDatasetShared(images, labels, 5)); // another question about the same files
        }
        Assert.Same(first, again);
        var outside = IdxReader.LoadDatasetShared(images, labels, 4);
        Assert.NotSame(first, outside);
        Assert.Equal(outside.Features, first.Features);
        Assert.Equal(outside.Labels, first.Labels);
    }

    /// <summary>Scopes nest, and leaving one restores the cache in use before it.</summary>
    [Fact]
    public void Use_Nested_RestoresTheOuterCache()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 6, 2, 2, 3, gzip: false);
        using (FileDataCache.Use(new FileDataCache()))
        {
            var outer = IdxReader.LoadDatasetShared(images, labels);
            using (FileDataCache.Use(new FileDataCache())) Assert.NotSame(outer, IdxReader.LoadDatasetShared(images, labels));
            Assert.Same(outer, IdxReader.LoadDatasetShared(images, labels));
        }
    }

    /// <summary>A file replaced since it was read (another length here) is read again: no run sees stale data.</summary>
    [Fact]
    public void GetOrLoad_FileReplaced_ReadAgain()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 12, 2, 3, 4, gzip: false);
        var cache = new FileDataCache();
        var before = cache.GetOrLoad([images, labels], "idx", () => IdxReader.LoadDataset(images, labels));
        Assert.Equal(12, before.Count);
        files.Mnist("train", 15, 2, 3, 4, gzip: false); // the same paths, 15 images now
        var after = cache.GetOrLoad([images, labels], "idx", () => IdxReader.LoadDataset(images, labels));
        Assert.Equal(15, after.Count);
    }

    /// <summary>A read that fails is not kept: on the same, untouched files the next call reads again.</summary>
    [Fact]
    public void GetOrLoad_ReadFails_NotKept()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 4, 2, 2, 3, gzip: false);
        var cache = new FileDataCache();
        int reads = 0;
        object Load() => ++reads == 1 ? throw new SimByzException("first read fails") : new object();
        Assert.Equal("first read fails", Assert.Throws<SimByzException>(() => cache.GetOrLoad([images, labels], "q", Load)).Message);
        var second = cache.GetOrLoad([images, labels], "q", Load);
        Assert.Equal(2, reads);
        Assert.Same(second, cache.GetOrLoad([images, labels], "q", Load));
        Assert.Equal(2, reads);
    }

    /// <summary>A path the cache cannot key (a NUL in it) is read uncached, so the reader's own clear error is what the user sees.</summary>
    [Fact]
    public void GetOrLoad_PathWithNul_ReadUncachedByTheReader()
    {
        var cache = new FileDataCache();
        var e = Assert.Throws<SimByzException>(() => cache.GetOrLoad(["/tmp/a\0b", "/tmp/c"], "idx", () => IdxReader.LoadDataset("/tmp/a\0b", "/tmp/c")));
        Assert.Contains("/tmp/a", e.Message, StringComparison.Ordinal);
        int reads = 0;
        cache.GetOrLoad(["/tmp/a\0b"], "q", () => { reads++; return new object(); });
        cache.GetOrLoad(["/tmp/a\0b"], "q", () => { reads++; return new object(); });
        Assert.Equal(2, reads);
    }

    /// <summary><c>standardize=true</c> standardizes a copy: the shared dataset keeps the pixels as read, so every seed gets
    /// the features the first got, not features standardized twice (a mutation that standardizes in place fails this).</summary>
    [Fact]
    public void Load_StandardizeInASweepScope_LeavesTheSharedDatasetAsRead()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 20, 2, 3, 4, gzip: false);
        var (testImages, testLabels) = files.Mnist("t10k", 6, 2, 3, 4, gzip: false);
        string spec = $"idx:images={images},labels={labels},test-images={testImages},test-labels={testLabels},standardize=true";
        using var scope = FileDataCache.Use(new FileDataCache());
        var first = DataSourceCatalog.Load(spec, 1);
        var second = DataSourceCatalog.Load(spec, 2);
        Assert.Equal(first.Train.Features, second.Train.Features);
        Assert.Equal(first.Test!.Features, second.Test!.Features);
        var shared = IdxReader.LoadDatasetShared(images, labels, 0);
        Assert.Equal(IdxReader.LoadDataset(images, labels, 0).Features, shared.Features);
        Assert.NotEqual(shared.Features, first.Train.Features);
    }

    /// <summary>The sweep's data cache, per (spec, seed), shares the file read between seeds: two seeds of an IDX source
    /// without a subset get the same training set object (read once), and a new sweep reads again.</summary>
    [Fact]
    public void SweepDataCache_TwoSeeds_OneRead()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 10, 2, 2, 3, gzip: false);
        string spec = $"idx:images={images},labels={labels}";
        var sweep = new SweepDataCache(DataSourceCatalog.BuiltIn, 4);
        var seed1 = sweep.Load(spec, 1);
        var seed2 = sweep.Load(spec, 2);
        Assert.NotSame(seed1, seed2);
        Assert.Same(seed1.Train, seed2.Train);
        Assert.NotSame(seed1.Train, new SweepDataCache(DataSourceCatalog.BuiltIn, 4).Load(spec, 1).Train);
    }

    /// <summary>At most <see cref="FileDataCache.Capacity"/> entries: reading more file sets drops the least recently used.</summary>
    [Fact]
    public void GetOrLoad_MoreFileSetsThanCapacity_DropsTheLeastRecentlyUsed()
    {
        using var files = new TempFiles();
        var sets = Enumerable.Range(0, FileDataCache.Capacity + 1).Select(k => files.Mnist($"set{k}", 4 + k, 2, 2, 3, gzip: false)).ToArray();
        var cache = new FileDataCache();
        int reads = 0;
        object Load(int k) => cache.GetOrLoad([sets[k].Images, sets[k].Labels], "test", () =>
        {
            reads++;
            return new object();
        });
        var firstObject = Load(0);
        Assert.Same(firstObject, Load(0));
        Assert.Equal(1, reads);
        for (int k = 1; k <= FileDataCache.Capacity; k++) Load(k);
        Assert.Equal(1 + FileDataCache.Capacity, reads);
        Assert.Same(Load(FileDataCache.Capacity), Load(FileDataCache.Capacity)); // the newest still kept
        Assert.NotSame(firstObject, Load(0)); // pushed out by the others: read again
        Assert.Equal(2 + FileDataCache.Capacity, reads);
    }

    /// <summary>A sweep's threads asking at the same time wait for one read.</summary>
    [Fact]
    public void GetOrLoad_ManyThreadsAtOnce_OneRead()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 8, 2, 2, 3, gzip: false);
        var cache = new FileDataCache();
        int reads = 0;
        var results = new object[8];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, k => results[k] = cache.GetOrLoad([images, labels], "threads", () =>
        {
            Interlocked.Increment(ref reads);
            Thread.Sleep(50);
            return new object();
        }));
        Assert.Equal(1, reads);
        Assert.All(results, r => Assert.Same(results[0], r));
    }
}
