using SimByz.Specs;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Readers;

namespace SimByz.Simulator.Sweeps;

/// <summary>
/// The data sources a sweep loads, shared by the runs that use the same (data spec, seed) while they are
/// near each other in the order runs are built: a small least-recently-used set, so that memory does not
/// grow with the number of seeds. Datasets are immutable; a load is a pure function of (spec, seed), so
/// evicting and loading again changes nothing but time. Below it, the file sources' reads are shared by all
/// seeds (<see cref="FileDataCache"/>, one per sweep). Thread-safe.
/// </summary>
internal sealed class SweepDataCache
{
    private readonly ComponentCatalog<NoContext, DataLoader> _catalog;
    private readonly int _capacity;
    private readonly LinkedList<((string Spec, ulong Seed) Key, Lazy<LoadedData> Data)> _entries = new();
    private readonly object _lock = new();
    // What the file sources read, shared by every (spec, seed) of this sweep: a seed changes what is kept of a file, not the file.
    private readonly FileDataCache _files;

    /// <param name="catalog">The data sources.</param>
    /// <param name="capacity">Loaded (spec, seed) kept at most.</param>
    /// <param name="files">The sweep's file cache (its plan's, so that planning and running share one read); a new one if null.</param>
    public SweepDataCache(ComponentCatalog<NoContext, DataLoader> catalog, int capacity, FileDataCache? files = null)
    {
        _catalog = catalog;
        _capacity = Math.Max(1, capacity);
        _files = files ?? new FileDataCache();
    }

    public LoadedData Load(string spec, ulong seed)
    {
        Lazy<LoadedData> data;
        lock (_lock)
        {
            var node = _entries.First;
            while (node is not null && node.Value.Key != (spec, seed)) node = node.Next;
            if (node is not null)
            {
                _entries.Remove(node);
            }
            else
            {
                node = new LinkedListNode<((string, ulong), Lazy<LoadedData>)>(((spec, seed), new Lazy<LoadedData>(() =>
                {
                    using var files = FileDataCache.Use(_files); // the seeds share each file set's read
                    return DataSourceCatalog.Load(spec, seed, _catalog);
                })));
                if (_entries.Count >= _capacity) _entries.RemoveLast();
            }
            _entries.AddFirst(node);
            data = node.Value.Data;
        }
        return data.Value;
    }
}
