using BenchmarkDotNet.Attributes;
using SimByz.Aggregation.Rules;

namespace SimByz.Bench.Aggregation;

/// <summary>
/// The cost of one hand-off to the aggregation worker pool (<see cref="ChunkRunner"/>), which every
/// parallel phase of a simulated step pays: the gradient phase, the attack's mean, the rule, evaluation.
/// <c>Empty</c> runs <see cref="Chunks"/> chunks that do nothing (the round trip alone: wake the helpers,
/// hand out the chunks, wait for them), back to back; <c>Inline</c> is the same chunks on the calling thread
/// (the floor: no hand-off at all). <c>ParallelFor</c> is the peer: what a .NET user would write instead,
/// <see cref="Parallel.For(int, int, Action{int})"/> over the same chunks on the default thread pool (torch has no
/// user-facing hand-off to time; its OpenMP regions are inside each op). <see cref="ChunkRunnerGapBenchmark"/> times
/// the round trip after the calling thread has worked alone for a while, as between a step's phases.
/// </summary>
[MemoryDiagnoser]
public class ChunkRunnerBenchmark
{
    private readonly CountingJob _job = new();
    private Action<int> _body = null!;

    /// <summary>Chunks per call.</summary>
    [Params(2, 16)]
    public int Chunks { get; set; }

    [GlobalSetup]
    public void Setup() => _body = _job.RunChunk;

    [Benchmark(Baseline = true)]
    public int Inline()
    {
        for (int c = 0; c < Chunks; c++) _job.RunChunk(c);
        return _job.Count;
    }

    [Benchmark]
    public int Empty()
    {
        ChunkRunner.Run(_job, Chunks);
        return _job.Count;
    }

    /// <summary>The peer: the same chunks through <see cref="Parallel.For(int, int, Action{int})"/>.</summary>
    [Benchmark]
    public int ParallelFor()
    {
        Parallel.For(0, Chunks, _body);
        return _job.Count;
    }
}

/// <summary>
/// The hand-off after the calling thread worked alone (<see cref="GapWork"/> dependent multiply-adds, ≈ 2 ns each:
/// ≈ 10 µs and ≈ 100 µs), when the helpers may have gone to sleep: <c>Gap</c> − <c>GapInline</c> is what the wake-up costs;
/// <c>GapParallelFor</c> is the peer (<see cref="Parallel.For(int, int, Action{int})"/> after the same work alone).
/// </summary>
[MemoryDiagnoser]
public class ChunkRunnerGapBenchmark
{
    private readonly CountingJob _job = new();
    private Action<int> _body = null!;
    private double _sink;

    /// <summary>Chunks per call.</summary>
    [Params(2, 16)]
    public int Chunks { get; set; }

    /// <summary>Dependent multiply-adds the calling thread does alone before the hand-off.</summary>
    [Params(5_000, 50_000)]
    public int GapWork { get; set; }

    [GlobalSetup]
    public void Setup() => _body = _job.RunChunk;

    [Benchmark]
    public double Gap()
    {
        double x = Alone();
        ChunkRunner.Run(_job, Chunks);
        return x;
    }

    /// <summary><c>Gap</c>'s work with its chunks inline (no hand-off).</summary>
    [Benchmark(Baseline = true)]
    public double GapInline()
    {
        double x = Alone();
        for (int c = 0; c < Chunks; c++) _job.RunChunk(c);
        return x;
    }

    /// <summary>The peer: <c>Gap</c>'s work, then the chunks through <see cref="Parallel.For(int, int, Action{int})"/>.</summary>
    [Benchmark]
    public double GapParallelFor()
    {
        double x = Alone();
        Parallel.For(0, Chunks, _body);
        return x;
    }

    private double Alone()
    {
        double x = _sink + 1.0;
        for (int k = 0; k < GapWork; k++) x = x * 0.999999 + 1e-9;
        _sink = x;
        return x;
    }
}

/// <summary>A chunk that only counts itself.</summary>
internal sealed class CountingJob : IChunkJob
{
    public int Count;

    public void RunChunk(int chunk) => Interlocked.Increment(ref Count);
}
