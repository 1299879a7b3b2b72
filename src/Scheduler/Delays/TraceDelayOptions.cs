using SimByz.Specs;
namespace SimByz.Scheduler;

/// <summary>
/// Trace-driven delays: replays a recorded sequence of durations for one worker, in order,
/// d_k = durations[k]; after the last one, <see cref="OnEnd"/> decides (error, loop, or a fallback model).
/// Spec <c>trace:values=1ms;1.2ms;5ms,on-end=loop</c>, <c>trace:file=PATH</c>, and with a fallback the
/// chain <c>trace:file=PATH,on-end=fallback+exponential:mean=2ms</c> (see <see cref="DelayModelCatalog"/>).
/// </summary>
/// <remarks>
/// The replay draws nothing from the stream (the fallback draws what it draws). A built model is
/// stateful (its position in the trace) and belongs to one worker: build one per worker. Durations:
/// at least one, each finite and ≥ 0; a file holds one per line (see <see cref="EmpiricalDelayOptions"/>).
/// Defaults: on-end = error. A fallback model is required exactly when on-end = fallback.
/// </remarks>
public sealed record TraceDelayOptions : DelayModelOptions
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("trace", "replays a recorded sequence of durations in order (one model per worker)", "trace-driven simulation of measured timings", "n/a",
                [DelayModelCatalog.ValuesParameter, DelayModelCatalog.FileParameter,
                 new("on-end", "error | loop | fallback", "error", "after the last duration: fail, start over, or draw from the rest of the chain")]);

    private readonly double[] _durations;

    /// <summary>Creates the options from durations in seconds (copied).</summary>
    public TraceDelayOptions(IReadOnlyList<double> durationsSeconds, TraceEndBehavior onEnd = TraceEndBehavior.Error, DelayModelOptions? fallback = null)
    {
        ArgumentNullException.ThrowIfNull(durationsSeconds);
        if (durationsSeconds.Count == 0) throw new SimByzException("trace delay model: the trace is empty: expected at least one duration");
        _durations = new double[durationsSeconds.Count];
        for (int i = 0; i < _durations.Length; i++) _durations[i] = CheckDuration("trace", $"durations[{i}]", durationsSeconds[i]);
        if (!Enum.IsDefined(onEnd)) throw new SimByzException($"trace delay model: on-end = {(int)onEnd} is invalid: expected error, loop or fallback");
        if (onEnd == TraceEndBehavior.Fallback && fallback is null)
        {
            throw new SimByzException("trace delay model: on-end = fallback needs a fallback model (in a spec: trace:...,on-end=fallback+MODEL)");
        }
        if (onEnd != TraceEndBehavior.Fallback && fallback is not null)
        {
            throw new SimByzException($"trace delay model: a fallback model is given but on-end = {onEnd.ToString().ToLowerInvariant()}: set on-end = fallback to use it");
        }
        OnEnd = onEnd;
        Fallback = fallback;
    }

    /// <summary>Reads the durations from a file of one duration per line.</summary>
    public static TraceDelayOptions FromFile(string path, TraceEndBehavior onEnd = TraceEndBehavior.Error, DelayModelOptions? fallback = null)
        => new(DurationFile.Read(path, "trace"), onEnd, fallback);

    /// <summary>The recorded durations, seconds, in replay order.</summary>
    public IReadOnlyList<double> DurationsSeconds => _durations;

    /// <summary>What happens after the last duration.</summary>
    public TraceEndBehavior OnEnd { get; }

    /// <summary>The model used after the trace when <see cref="OnEnd"/> is <see cref="TraceEndBehavior.Fallback"/>.</summary>
    public DelayModelOptions? Fallback { get; }

    public override string Name => "trace";

    public override string ToSpec()
    {
        string head = $"trace:values={DurationFile.Join(_durations)},on-end={OnEnd.ToString().ToLowerInvariant()}";
        return Fallback is null ? head : head + "+" + Fallback.ToSpec();
    }

    /// <summary>Equal when the durations (in order), the end behaviour and the fallback are equal.</summary>
    public bool Equals(TraceDelayOptions? other)
        => other is not null && _durations.AsSpan().SequenceEqual(other._durations) && OnEnd == other.OnEnd && Equals(Fallback, other.Fallback);

    public override int GetHashCode() => HashCode.Combine(DurationFile.Hash(_durations), OnEnd, Fallback);

    internal override DelaySampler CreateSampler() => new TraceDelay(this, _durations);
}
