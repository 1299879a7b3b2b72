namespace SimByz.Simulator.Data.Readers;

/// <summary>
/// What the file readers read, kept for the later runs of one sweep: while a cache is in use on a thread
/// (<see cref="Use"/>; <c>SweepDataCache</c> does so around each load), the built-in file data sources (Fashion-MNIST, IDX,
/// CIFAR-10) read each file set once instead of once per seed. Outside such a scope every load reads its files, as before.
/// Thread-safe: a sweep's threads share one instance, and callers asking for the same files at once wait for one read.
/// </summary>
/// <remarks>
/// <para>Owned by the sweep that made it, so it lives as long as that sweep (no process-wide state). An entry is found by
/// the full paths of its files and what the reader was asked (e.g. the class count), and used only while every file still
/// has the length and last-write time it had when read: a file replaced since is read again (a replacement of the same
/// length within the file system's timestamp granularity is not noticed: do not replace data files under a running
/// sweep). At most <see cref="Capacity"/> entries are kept, the least recently used dropped first. A read that fails is
/// not kept: the next caller reads again and gets the reader's own message. A path the key cannot be made from (e.g. one
/// holding a NUL) is read uncached, so the reader reports it.</para>
/// <para>Results do not depend on it: a dataset is immutable in shape and labels and its features are read-only to its
/// users, and what is kept is what the reader returns, never a transform of it (a source's <c>standardize=true</c>
/// standardizes a copy: <see cref="DataSourceCatalog"/>).</para>
/// <para>Why: a sweep's data cache is per (data spec, seed), since a source may draw a seeded subset, so Fashion-MNIST
/// (26 MB of gzip into 47 MB of pixels, about 0.19 s here) was read once per seed (docs/PERFORMANCE.md, "Sweeps of short
/// runs on Fashion-MNIST").</para>
/// </remarks>
internal sealed class FileDataCache
{
    /// <summary>The most entries kept (Fashion-MNIST takes two: its training and its test set).</summary>
    public const int Capacity = 4;

    [ThreadStatic]
    private static FileDataCache? _current;

    private readonly LinkedList<Entry> _entries = new();
    private readonly Lock _lock = new();

    /// <summary>Makes <paramref name="cache"/> the one the file readers use on this thread until the result is disposed
    /// (which restores the one before).</summary>
    public static IDisposable Use(FileDataCache cache) => new Scope(cache);

    /// <summary>What <paramref name="load"/> returns for <paramref name="paths"/> and <paramref name="question"/>: from the
    /// cache in use on this thread (<see cref="Use"/>) when there is one, else read now.</summary>
    public static T Load<T>(IReadOnlyList<string> paths, string question, Func<T> load) where T : class
        => _current is { } cache ? cache.GetOrLoad(paths, question, load) : load();

    /// <summary>What <paramref name="load"/> returns for <paramref name="paths"/> and <paramref name="question"/>: kept from an
    /// earlier call whose files have not changed since, or read now (and kept).</summary>
    /// <param name="paths">Every file the load reads (a missing file is recorded as missing: the load then throws, and nothing is kept).</param>
    /// <param name="question">What else the result depends on (reader and its parameters).</param>
    /// <param name="load">The reader.</param>
    public T GetOrLoad<T>(IReadOnlyList<string> paths, string question, Func<T> load) where T : class
    {
        string key;
        (long Length, long Ticks)[] stamps;
        try
        {
            var files = paths.Select(Path.GetFullPath).ToArray();
            key = string.Join('\0', [typeof(T).FullName!, question, .. files]);
            stamps = files.Select(Stamp).ToArray();
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or IOException or UnauthorizedAccessException)
        {
            return load(); // not a path the cache can key: the reader reports it
        }
        Entry entry;
        lock (_lock)
        {
            var node = _entries.First;
            while (node is not null && node.Value.Key != key) node = node.Next;
            if (node is not null && node.Value.Stamps.AsSpan().SequenceEqual(stamps))
            {
                _entries.Remove(node);
                _entries.AddFirst(node);
            }
            else
            {
                if (node is not null) _entries.Remove(node);
                node = _entries.AddFirst(new Entry(key, stamps, new Lazy<object>(load, LazyThreadSafetyMode.ExecutionAndPublication)));
                while (_entries.Count > Capacity) _entries.RemoveLast();
            }
            entry = node.Value;
        }
        try
        {
            return (T)entry.Data.Value;
        }
        catch
        {
            lock (_lock)
            {
                for (var node = _entries.First; node is not null; node = node.Next)
                {
                    if (!ReferenceEquals(node.Value, entry)) continue;
                    _entries.Remove(node);
                    break;
                }
            }
            throw;
        }
    }

    private static (long Length, long Ticks) Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.Length, info.LastWriteTimeUtc.Ticks) : (-1, 0);
    }

    private sealed record Entry(string Key, (long Length, long Ticks)[] Stamps, Lazy<object> Data);

    private sealed class Scope : IDisposable
    {
        private readonly FileDataCache? _previous;
        private bool _disposed;

        public Scope(FileDataCache cache)
        {
            _previous = _current;
            _current = cache;
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _current = _previous;
        }
    }
}
