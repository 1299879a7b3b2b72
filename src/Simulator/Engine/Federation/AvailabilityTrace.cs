using System.Globalization;
using SimByz.Scheduler;

namespace SimByz.Simulator.Engine.Federation;

/// <summary>
/// When each federated client may be sampled, from a CSV of availability windows (docs/SCENARIOS.md,
/// Federated clients): a header <c>client,from,to</c>, then one window per line: the client id in [0, N),
/// the start and the end of the window as durations (<c>2s</c>, <c>150ms</c>, or seconds), <c>to</c> empty for
/// "until the end of the run". A client is available at time t when one of its windows has from ≤ t &lt; to.
/// </summary>
/// <remarks>
/// <para>Strict: no blank line, no extra column, to &gt; from, client in range; the first problem is reported as
/// one line naming the file and line. Memory is proportional to the file (its windows), never to N.</para>
/// <para>Immutable and thread-safe; <see cref="Cursor"/> gives a run its own view as the clock advances.</para>
/// </remarks>
public sealed class AvailabilityTrace
{
    private readonly (int Client, SimTime From, SimTime To)[] _byStart;

    private AvailabilityTrace((int Client, SimTime From, SimTime To)[] windows, string source)
    {
        _byStart = windows;
        Source = source;
    }

    /// <summary>Where it was read from (a path, or a name for text).</summary>
    public string Source { get; }

    /// <summary>The windows, by start time (then client, then end).</summary>
    public IReadOnlyList<(int Client, SimTime From, SimTime To)> Windows => _byStart;

    /// <summary>Reads the trace file <paramref name="path"/> for <paramref name="clients"/> clients.</summary>
    /// <exception cref="SimByzException">Missing file or any malformed line (named with its number).</exception>
    public static AvailabilityTrace Load(string path, int clients)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SimByzException($"availability trace {path}: cannot be read ({ex.Message})");
        }
        return Parse(text, path, clients);
    }

    /// <summary>Parses trace text (see the type's summary).</summary>
    /// <exception cref="SimByzException">The first malformed line, named as <c>source:line</c>.</exception>
    public static AvailabilityTrace Parse(string text, string source, int clients)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        int count = lines.Length;
        if (count > 0 && lines[^1].Length == 0) count--; // the final newline
        if (count == 0 || lines[0].TrimEnd('\r') != "client,from,to")
        {
            throw new SimByzException($"availability trace {source}:1: expected the header 'client,from,to'");
        }
        var windows = new List<(int, SimTime, SimTime)>(count - 1);
        for (int i = 1; i < count; i++)
        {
            string line = lines[i].TrimEnd('\r');
            string where = $"availability trace {source}:{i + 1}";
            var cells = line.Split(',');
            if (cells.Length != 3) throw new SimByzException($"{where}: expected 3 cells client,from,to, got {cells.Length} in '{Short(line)}'");
            if (!int.TryParse(cells[0], NumberStyles.None, CultureInfo.InvariantCulture, out int client) || client >= clients)
            {
                throw new SimByzException($"{where}: client '{Short(cells[0])}' is not a client id in [0, {clients - 1}]");
            }
            SimTime from = Time(cells[1], where, "from") ?? throw new SimByzException($"{where}: from is empty: expected a time such as 0s");
            SimTime to = Time(cells[2], where, "to") ?? SimTime.MaxValue;
            if (to <= from) throw new SimByzException($"{where}: to ({to}) must be after from ({from})");
            windows.Add((client, from, to));
        }
        if (windows.Count == 0) throw new SimByzException($"availability trace {source}: no window (a header alone): no client could ever be sampled");
        var sorted = windows.ToArray();
        Array.Sort(sorted, (a, b) => a.Item2 != b.Item2 ? a.Item2.CompareTo(b.Item2) : a.Item1 != b.Item1 ? a.Item1.CompareTo(b.Item1) : a.Item3.CompareTo(b.Item3));
        return new AvailabilityTrace(sorted, source);
    }

    private static SimTime? Time(string cell, string where, string name)
    {
        if (cell.Length == 0) return null;
        if (double.TryParse(cell, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds))
        {
            if (!(seconds <= 9e9)) throw new SimByzException($"{where}: {name} '{Short(cell)}' is out of range");
            return SimTime.FromSeconds(seconds);
        }
        if (!SimTime.TryParse(cell, out var t, out string error) || t < SimTime.Zero)
        {
            throw new SimByzException($"{where}: {name} '{Short(cell)}' is not a time such as 2s or 150ms{(error.Length > 0 ? $" ({error})" : "")}");
        }
        return t;
    }

    private static string Short(string s) => s.Length <= 40 ? s : s[..37] + "...";

    /// <summary>A fresh view for one run: which clients are available as the clock moves forward.</summary>
    public Cursor Open() => new(this);

    /// <summary>One run's view of the trace: the clients available now, advanced as the clock moves forward
    /// (the clock never goes back). Memory proportional to the windows open at once.</summary>
    public sealed class Cursor
    {
        private readonly AvailabilityTrace _trace;
        private readonly PriorityQueue<int, SimTime> _ends = new();
        private readonly List<int> _available = [];
        private readonly Dictionary<int, (int Index, int Open)> _where = [];
        private int _next;
        private SimTime _now = SimTime.Zero;

        internal Cursor(AvailabilityTrace trace) => _trace = trace;

        /// <summary>The clients available at the time of the last <see cref="AdvanceTo"/>, in an order fixed by the trace.</summary>
        public IReadOnlyList<int> Available => _available;

        /// <summary>Moves the view to time <paramref name="t"/> (≥ the previous one).</summary>
        public void AdvanceTo(SimTime t)
        {
            if (t < _now) throw new InvalidOperationException($"availability cursor moved back from {_now} to {t}");
            _now = t;
            var windows = _trace._byStart;
            while (_next < windows.Length && windows[_next].From <= t)
            {
                var (client, _, to) = windows[_next++];
                if (to <= t) continue;
                Open(client);
                _ends.Enqueue(client, to);
            }
            while (_ends.TryPeek(out int client, out SimTime end) && end <= t)
            {
                _ends.Dequeue();
                Close(client);
            }
        }

        /// <summary>When the next window opens after the current time (<see cref="SimTime.MaxValue"/>: none will).</summary>
        public SimTime NextOpening()
        {
            var windows = _trace._byStart;
            return _next < windows.Length ? windows[_next].From : SimTime.MaxValue;
        }

        private void Open(int client)
        {
            if (_where.TryGetValue(client, out var w))
            {
                _where[client] = (w.Index, w.Open + 1);
                return;
            }
            _where[client] = (_available.Count, 1);
            _available.Add(client);
        }

        private void Close(int client)
        {
            var w = _where[client];
            if (w.Open > 1)
            {
                _where[client] = (w.Index, w.Open - 1);
                return;
            }
            // Swap-remove: the last client takes the freed place.
            int last = _available[^1];
            _available[w.Index] = last;
            _where[last] = (w.Index, _where[last].Open);
            _available.RemoveAt(_available.Count - 1);
            _where.Remove(client);
        }
    }
}
