namespace SimByz.Scheduler;

internal sealed class TraceDelay(TraceDelayOptions options, double[] durations) : DelaySampler(options.ToSpec())
{
    private readonly double[] _durations = durations;
    private readonly TraceEndBehavior _onEnd = options.OnEnd;
    private readonly DelaySampler? _fallback = options.Fallback?.CreateSampler();
    private int _next;

    public override double SampleSeconds(RandomStream rng)
    {
        if (_next < _durations.Length) return _durations[_next++];
        switch (_onEnd)
        {
            case TraceEndBehavior.Loop:
                _next = 1;
                return _durations[0];
            case TraceEndBehavior.Fallback:
                return _fallback!.SampleSeconds(rng);
            default:
                throw new SimByzException($"trace delay model: the trace of {_durations.Length} durations is exhausted (draw {_durations.Length + 1} requested, on-end = error); use on-end=loop or on-end=fallback+MODEL, or record a longer trace");
        }
    }
}
