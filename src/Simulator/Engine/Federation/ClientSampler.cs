using SimByz.Scheduler;

namespace SimByz.Simulator.Engine.Federation;

/// <summary>
/// Picks the clients of a federated run from its own stream (seed, <c>client.sample</c>, 0): m per synchronous
/// round, uniformly without replacement (Floyd's algorithm, R. W. Floyd and J. Bentley, "Programming Pearls: A
/// Sample of Brilliance", CACM 30(9), 1987: O(m) time and memory, every m-subset equally likely), or one at a time
/// for an asynchronous slot, uniformly among the clients not already active.
/// </summary>
/// <remarks>
/// <para>With an availability trace the draw is among the clients available at the current time (all of them when
/// fewer than m are); without, among all N.</para>
/// <para>An async draw rejects active clients (expected fewer than 4/3 draws when the candidates are more than
/// four times the active ones); when they are not, the candidates are listed (then N or the available clients
/// number at most 4m, so this is O(m)).</para>
/// <para>Not thread-safe (one run's thread).</para>
/// </remarks>
public sealed class ClientSampler
{
    private readonly ClientPopulation _population;
    private readonly RandomStream _rng;
    private readonly AvailabilityTrace.Cursor? _cursor;
    private readonly HashSet<int> _picked = [];
    private readonly List<int> _candidates = [];

    public ClientSampler(ClientPopulation population)
    {
        ArgumentNullException.ThrowIfNull(population);
        _population = population;
        _rng = RandomStreams.Derive(population.Seed, StreamPurpose.ClientSampling, 0);
        _cursor = population.Trace?.Open();
    }

    /// <summary>Synchronous: up to m distinct clients for a round starting at <paramref name="now"/>, ascending
    /// into <paramref name="into"/> (cleared first). Empty only when the trace has nobody available.</summary>
    public void SampleRound(SimTime now, List<int> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();
        if (_cursor is null)
        {
            Floyd(_rng, _population.Clients, _population.PerRound, _picked);
            into.AddRange(_picked);
        }
        else
        {
            _cursor.AdvanceTo(now);
            var available = _cursor.Available;
            Floyd(_rng, available.Count, Math.Min(_population.PerRound, available.Count), _picked);
            foreach (int i in _picked) into.Add(available[i]);
        }
        into.Sort();
    }

    /// <summary>Asynchronous: a client available at <paramref name="now"/> and not active, uniformly; −1 when there is none.</summary>
    /// <param name="now">The time of the draw.</param>
    /// <param name="activeCount">How many clients are active.</param>
    /// <param name="isActive">Whether a client is active.</param>
    public int SampleOne(SimTime now, int activeCount, Func<int, bool> isActive)
    {
        ArgumentNullException.ThrowIfNull(isActive);
        if (_cursor is null)
        {
            long n = _population.Clients;
            if (n - activeCount <= 0) return -1;
            if (n > 4L * Math.Max(1, activeCount))
            {
                while (true)
                {
                    int c = _rng.NextInt((int)n);
                    if (!isActive(c)) return c;
                }
            }
            _candidates.Clear();
            for (int c = 0; c < n; c++) if (!isActive(c)) _candidates.Add(c);
            return _candidates[_rng.NextInt(_candidates.Count)];
        }
        _cursor.AdvanceTo(now);
        var available = _cursor.Available;
        if (available.Count > 4L * Math.Max(1, activeCount))
        {
            while (true)
            {
                int c = available[_rng.NextInt(available.Count)];
                if (!isActive(c)) return c;
            }
        }
        _candidates.Clear();
        foreach (int c in available) if (!isActive(c)) _candidates.Add(c);
        return _candidates.Count == 0 ? -1 : _candidates[_rng.NextInt(_candidates.Count)];
    }

    /// <summary>When the availability trace next opens a window after the last draw (<see cref="SimTime.MaxValue"/>: never, or no trace).</summary>
    public SimTime NextOpening() => _cursor?.NextOpening() ?? SimTime.MaxValue;

    /// <summary>A uniform <paramref name="m"/>-subset of [0, <paramref name="n"/>) into <paramref name="into"/> (cleared first), by Floyd's algorithm:
    /// for j = n − m … n − 1, draw t uniform in [0, j] and add t, or j when t is already in.</summary>
    public static void Floyd(RandomStream rng, int n, int m, HashSet<int> into)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(into);
        if (m < 0 || m > n) throw new ArgumentOutOfRangeException(nameof(m), m, $"a sample of {m} from {n}");
        into.Clear();
        for (int j = n - m; j < n; j++)
        {
            int t = rng.NextInt(j + 1);
            if (!into.Add(t)) into.Add(j);
        }
    }
}
