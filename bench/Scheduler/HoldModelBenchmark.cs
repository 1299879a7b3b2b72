using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using SimByz.Scheduler;

namespace SimByz.Bench.Scheduler;

/// <summary>
/// The classic hold model (Vaucher and Duval 1975; Jones 1986): with <see cref="Pending"/> events in
/// the queue, repeatedly pop the earliest event and schedule one at its time plus a random delay
/// drawn from a <see cref="RandomStream"/>, so the queue size stays constant.
/// </summary>
/// <remarks>
/// <para>Each invocation performs <see cref="HoldsPerInvoke"/> holds and reports per hold
/// (<c>OperationsPerInvoke</c>): the Mean column is ns per event and the <c>Events/s</c> column its
/// inverse; <c>Allocated</c> (MemoryDiagnoser) is bytes per event, 0 in steady state.</para>
/// <para><see cref="HoldUniform"/> draws the delay uniformly on [0, 2²⁰) ns from the raw bits (the
/// queue cost dominates); <see cref="HoldExponential"/> draws an exponential delay (mean 1 ms) through
/// <see cref="ExponentialDelayOptions"/>, i.e. with a logarithm and the rounding to ns, as a worker's
/// latency model would. Targets on the project's 2-core machine: ≥ 20 M events/s with 1 000
/// pending and ≥ 10 M events/s with 100 000 pending, 0 B per event.</para>
/// <para>Measured in the same run for scale: <see cref="DrawOnly"/>, the floor (the loop's own
/// delay draws and additions without any queue), and <see cref="BclPriorityQueue"/>, the same hold
/// loop on .NET's <see cref="PriorityQueue{TElement, TPriority}"/> (a 4-ary array heap) keyed by
/// (time, sequence), i.e. a standard library queue with the same FIFO tie order.</para>
/// <para>Run: <c>dotnet run -c Release --project bench -- --filter '*HoldModel*'</c>.</para>
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(EventsPerSecondConfig))]
public class HoldModelBenchmark
{
    /// <summary>Holds per benchmark invocation.</summary>
    public const int HoldsPerInvoke = 1 << 20;

    private EventQueue<int> _queue = null!;
    private RandomStream _rng = null!;
    private IDelayModel _exponential = null!;
    private PriorityQueue<int, (long Time, long Sequence)> _bcl = null!;
    private long _bclSequence;

    /// <summary>Events pending in the queue throughout.</summary>
    [Params(10, 1_000, 100_000)]
    public int Pending { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _rng = RandomStreams.Derive(42, StreamPurpose.WorkerCompute, 0);
        _exponential = new ExponentialDelayOptions(0.001).Build();
        _queue = new EventQueue<int>(Pending);
        for (int i = 0; i < Pending; i++) _queue.Schedule(new SimTime((long)(_rng.NextUInt64() >> 44)), 0, i);
        _bcl = new PriorityQueue<int, (long Time, long Sequence)>(Pending);
        for (int i = 0; i < Pending; i++) _bcl.Enqueue(i, ((long)(_rng.NextUInt64() >> 44), ++_bclSequence));
        // Warm the queues into their steady state (random ages of pending events).
        HoldUniform();
        BclPriorityQueue();
    }

    /// <summary>The floor: the hold loop's delay draws and time arithmetic alone, no queue.</summary>
    [Benchmark(OperationsPerInvoke = HoldsPerInvoke)]
    public long DrawOnly()
    {
        var rng = _rng;
        long time = 0;
        for (int i = 0; i < HoldsPerInvoke; i++) time += (long)(rng.NextUInt64() >> 44);
        return time;
    }

    /// <summary>The same hold loop on .NET's PriorityQueue with a (time, sequence) key.</summary>
    [Benchmark(OperationsPerInvoke = HoldsPerInvoke)]
    public long BclPriorityQueue()
    {
        var queue = _bcl;
        var rng = _rng;
        long checksum = 0;
        long sequence = _bclSequence;
        for (int i = 0; i < HoldsPerInvoke; i++)
        {
            queue.TryDequeue(out int payload, out var key);
            queue.Enqueue(payload, (key.Time + (long)(rng.NextUInt64() >> 44), ++sequence));
            checksum += payload;
        }
        _bclSequence = sequence;
        return checksum;
    }

    [Benchmark(OperationsPerInvoke = HoldsPerInvoke)]
    public long HoldUniform()
    {
        var queue = _queue;
        var rng = _rng;
        long checksum = 0;
        for (int i = 0; i < HoldsPerInvoke; i++)
        {
            queue.TryDequeue(out var e);
            queue.Schedule(new SimTime(e.Time.Nanoseconds + (long)(rng.NextUInt64() >> 44)), 0, e.Payload);
            checksum += e.Payload;
        }
        return checksum;
    }

    [Benchmark(OperationsPerInvoke = HoldsPerInvoke)]
    public long HoldExponential()
    {
        var queue = _queue;
        var rng = _rng;
        var delay = _exponential;
        long checksum = 0;
        for (int i = 0; i < HoldsPerInvoke; i++)
        {
            queue.TryDequeue(out var e);
            queue.Schedule(e.Time + delay.Sample(rng), 0, e.Payload);
            checksum += e.Payload;
        }
        return checksum;
    }

    /// <summary>Adds the <c>Events/s</c> column.</summary>
    private sealed class EventsPerSecondConfig : ManualConfig
    {
        public EventsPerSecondConfig()
        {
            // 1 / (mean time per operation): events per second, since one operation is one event.
            AddColumn(new FigureColumn("EventsPerSecondColumn", "Events/s", "Events handled per second (1 / Mean)",
                (summary, benchmarkCase) => summary[benchmarkCase]?.ResultStatistics is { Mean: > 0 } stats
                    ? (1e9 / stats.Mean / 1e6).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + " M"
                    : null));
            // Building the generated benchmark project takes minutes on a loaded 2-core machine.
            WithBuildTimeout(TimeSpan.FromMinutes(10));
        }
    }
}
