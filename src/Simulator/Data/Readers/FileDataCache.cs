namespace SimByz.Simulator.Data.Readers;

/// <summary>
/// What the file readers read, kept for the next run in the process: the built-in file data sources (Fashion-MNIST, IDX,
/// CIFAR-10) read each file set once per process rather than once per run, so a sweep over seeds decompresses and parses
/// its data once. Thread-safe; a load runs once however many runs ask for it at the same time.
/// </summary>
/// <remarks>
/// <para>An entry is found by the full paths of its files and what the reader was asked (e.g. the class count), and used
/// only while every file still has the length and last-write time it had when read: a file replaced since is read again.
/// At most <see cref="Capacity"/> entries are kept, the least recently used dropped first, so memory does not grow with
/// the number of data sources a process uses. A load that fails is not kept (the next run reads again and fails with the
/// same message).</para>
/// <para>Results do not depend on it: a dataset is immutable in shape and labels, and what is kept is what the reader
/// returns, never a transform of it (a source's <c>standardize=true</c> standardizes a copy: <see cref="DataSourceCatalog"/>).
/// Code that receives a <see cref="Dataset"/> must treat its <see cref="Dataset.Features"/> as read-only, as within a run.</para>
/// <para>Why: reading Fashion-MNIST (26 MB of gzip into 47 MB of pixels) took about a quarter of a second per run here,
/// most of it first writes to fresh pages (docs/PERFORMANCE.md, "Sweeps of short runs"), and a sweep over seeds read it
/// once per seed.</para>
/// </remarks>
internal static class FileDataCache
{
    /// <summary>The most entries kept (Fashion-MNIST takes two: its training and its test set).</summary>
    public const int Capacity = 4;

    private static readonly LinkedList<Entry> Entries = new();

    /// <summary>Reads made so far (entries not found or out of date); for tests.</summary>
    public static long Reads => Interlocked.Read(ref _reads);

    private static long _reads;

    /// <summary>What <paramref name="load"/> returns for <paramref name="paths"/> and <paramref name="question"/>: kept from an
    /// earlier call whose files have not changed since, or read now (and kept).</summary>
    /// <param name="paths">Every file the load reads (a missing file is recorded as missing: the load then throws, and nothing is kept).</param>
    /// <param name="question">What else the result depends on (reader and its parameters).</param>
    /// <param name="load">The reader.</param>
    public static T GetOrLoad<T>(IReadOnlyList<string> paths, string question, Func<T> load) where T : class
    {
        var files = paths.Select(Path.GetFullPath).ToArray();
        string key = typeof(T).FullName + "\n" + question + "\n" + string.Join("\n", files);
        var stamps = files.Select(Stamp).ToArray();
        Entry entry;
        lock (Entries)
        {
            var node = Entries.First;
            while (node is not null && node.Value.Key != key) node = node.Next;
            if (node is not null && node.Value.Stamps.AsSpan().SequenceEqual(stamps))
            {
                Entries.Remove(node);
                Entries.AddFirst(node);
            }
            else
            {
                if (node is not null) Entries.Remove(node);
                node = Entries.AddFirst(new Entry(key, stamps, new Lazy<object>(() =>
                {
                    Interlocked.Increment(ref _reads);
                    return load();
                }, LazyThreadSafetyMode.ExecutionAndPublication)));
                while (Entries.Count > Capacity) Entries.RemoveLast();
            }
            entry = node.Value;
        }
        try
        {
            return (T)entry.Data.Value;
        }
        catch
        {
            lock (Entries)
            {
                for (var node = Entries.First; node is not null; node = node.Next)
                {
                    if (!ReferenceEquals(node.Value, entry)) continue;
                    Entries.Remove(node);
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
}
