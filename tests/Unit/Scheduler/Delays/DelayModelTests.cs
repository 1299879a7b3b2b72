using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Scheduler.Delays;

public class DelayModelTests
{
    private static SimTime Ns(double seconds) => SimTime.FromSeconds(seconds);

    [Fact]
    public void Constant_Sample_IsAlwaysTheValue_AndDrawsNothing()
    {
        var model = new ConstantDelayOptions(0.005).Build();
        var rng = new RandomStream(1);
        var twin = new RandomStream(1);
        for (int i = 0; i < 10; i++) Assert.Equal(SimTime.FromMilliseconds(5), model.Sample(rng));
        Assert.Equal(twin.NextUInt64(), rng.NextUInt64());
        Assert.Equal("constant:t=5ms", model.Spec);
    }

    [Theory]
    [InlineData(-1e-3)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(2e9)]
    public void Constant_InvalidValue_ThrowsSimByzException(double seconds)
    {
        var e = Assert.Throws<SimByzException>(() => new ConstantDelayOptions(seconds));
        Assert.Contains("constant delay model: t", e.Message);
    }

    [Fact]
    public void Uniform_Sample_IsMinPlusWidthTimesUniform()
    {
        var model = new UniformDelayOptions(0.001, 0.003).Build();
        var rng = new RandomStream(2);
        var twin = new RandomStream(2);
        for (int i = 0; i < 1000; i++)
        {
            var d = model.Sample(rng);
            Assert.Equal(Ns(0.001 + 0.002 * twin.NextDouble()), d);
            Assert.InRange(d.Nanoseconds, 1_000_000, 3_000_000);
        }
    }

    [Fact]
    public void Uniform_MinAboveMax_Throws()
    {
        var e = Assert.Throws<SimByzException>(() => new UniformDelayOptions(0.003, 0.001));
        Assert.Contains("min = 3ms exceeds max = 1ms", e.Message);
    }

    [Fact]
    public void Exponential_Sample_IsInversionOfTheUniform()
    {
        var model = new ExponentialDelayOptions(0.002).Build();
        var rng = new RandomStream(3);
        var twin = new RandomStream(3);
        for (int i = 0; i < 1000; i++) Assert.Equal(Ns(-0.002 * DetMath.Log(twin.NextDoubleNonZero())), model.Sample(rng));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    public void Exponential_NonPositiveMean_Throws(double mean)
        => Assert.Throws<SimByzException>(() => new ExponentialDelayOptions(mean));

    [Fact]
    public void Lognormal_Sample_IsExpOfShiftedScaledNormal()
    {
        var model = new LognormalDelayOptions(-6, 0.5).Build();
        var rng = new RandomStream(4);
        var twin = new RandomStream(4);
        for (int i = 0; i < 1000; i++) Assert.Equal(Ns(DetMath.Exp(-6 + 0.5 * twin.NextNormal())), model.Sample(rng));
        Assert.Equal("lognormal:mu=-6,sigma=0.5", model.Spec);
    }

    [Theory]
    [InlineData(0.0, -0.1)]
    [InlineData(0.0, double.NaN)]
    [InlineData(25.0, 1.0)]
    public void Lognormal_InvalidParameters_Throw(double mu, double sigma)
        => Assert.Throws<SimByzException>(() => new LognormalDelayOptions(mu, sigma));

    [Fact]
    public void Pareto_Sample_IsAtLeastScaleAndFollowsInversion()
    {
        var model = new ParetoDelayOptions(0.001, 2.5).Build();
        var rng = new RandomStream(5);
        var twin = new RandomStream(5);
        for (int i = 0; i < 1000; i++)
        {
            var d = model.Sample(rng);
            Assert.True(d >= SimTime.FromMilliseconds(1));
            Assert.Equal(Ns(0.001 * DetMath.Exp(-DetMath.Log(twin.NextDoubleNonZero()) / 2.5)), d);
        }
    }

    [Fact]
    public void Pareto_TinyShape_ClampsToMaxSample()
    {
        var model = new ParetoDelayOptions(1, 0.01).Build();
        var rng = new RandomStream(6);
        for (int i = 0; i < 100; i++) Assert.True(model.Sample(rng) <= SimTime.FromSeconds(DelayModelOptions.MaxSampleSeconds));
    }

    [Theory]
    [InlineData(0.0, 2.0)]
    [InlineData(0.001, 0.0)]
    [InlineData(0.001, -1.0)]
    public void Pareto_InvalidParameters_Throw(double scale, double alpha)
        => Assert.Throws<SimByzException>(() => new ParetoDelayOptions(scale, alpha));

    [Fact]
    public void Shifted_RoundsTheSumOnce()
    {
        // 0.4 ns + 0.4 ns: rounding each part would give 0 ns, rounding the sum gives 1 ns.
        var model = new ShiftedDelayOptions(0.4e-9, new ConstantDelayOptions(0.4e-9)).Build();
        Assert.Equal(new SimTime(1), model.Sample(new RandomStream(1)));
    }

    [Fact]
    public void Shifted_Sample_IsOffsetPlusInnerSample()
    {
        var model = new ShiftedDelayOptions(0.001, new ExponentialDelayOptions(0.002)).Build();
        var rng = new RandomStream(7);
        var twin = new RandomStream(7);
        for (int i = 0; i < 100; i++) Assert.Equal(Ns(0.001 + -0.002 * DetMath.Log(twin.NextDoubleNonZero())), model.Sample(rng));
        Assert.Equal("shifted:offset=1ms+exponential:mean=2ms", model.Spec);
    }

    [Fact]
    public void Straggler_ProbabilityOne_MultipliesEverySample_ProbabilityZeroNone()
    {
        var always = new StragglerDelayOptions(1, 10, new ConstantDelayOptions(0.001)).Build();
        var never = new StragglerDelayOptions(0, 10, new ConstantDelayOptions(0.001)).Build();
        var rng = new RandomStream(8);
        Assert.Equal(SimTime.FromMilliseconds(10), always.Sample(rng));
        Assert.Equal(SimTime.FromMilliseconds(1), never.Sample(rng));
    }

    [Fact]
    public void Straggler_DrawsBaseThenOneUniform_WhateverP()
    {
        var model = new StragglerDelayOptions(0.3, 4, new UniformDelayOptions(0.001, 0.002)).Build();
        var rng = new RandomStream(9);
        var twin = new RandomStream(9);
        int stragglers = 0;
        for (int i = 0; i < 20_000; i++)
        {
            double b = 0.001 + 0.001 * twin.NextDouble();
            bool slow = twin.NextDouble() < 0.3;
            stragglers += slow ? 1 : 0;
            Assert.Equal(Ns(slow ? b * 4 : b), model.Sample(rng));
        }
        Assert.InRange(stragglers, 5400, 6600); // 6000 ± 8.2σ
    }

    [Theory]
    [InlineData(-0.1, 10.0)]
    [InlineData(1.1, 10.0)]
    [InlineData(0.1, 0.5)]
    public void Straggler_InvalidParameters_Throw(double p, double factor)
        => Assert.Throws<SimByzException>(() => new StragglerDelayOptions(p, factor, new ConstantDelayOptions(0)));

    [Fact]
    public void Empirical_Sample_IsOneOfTheValues_EachReached()
    {
        var model = new EmpiricalDelayOptions([0.001, 0.002, 0.005]).Build();
        var rng = new RandomStream(10);
        var counts = new Dictionary<long, int>();
        for (int i = 0; i < 3000; i++)
        {
            long ns = model.Sample(rng).Nanoseconds;
            counts[ns] = counts.GetValueOrDefault(ns) + 1;
        }
        Assert.Equal([1_000_000L, 2_000_000L, 5_000_000L], counts.Keys.Order());
        Assert.All(counts.Values, c => Assert.InRange(c, 800, 1200));
        Assert.Equal("empirical:values=1ms;2ms;5ms", model.Spec);
    }

    [Fact]
    public void Empirical_EmptyOrNegative_Throws()
    {
        Assert.Throws<SimByzException>(() => new EmpiricalDelayOptions([]));
        var e = Assert.Throws<SimByzException>(() => new EmpiricalDelayOptions([0.001, -0.001]));
        Assert.Contains("values[1]", e.Message);
    }

    [Fact]
    public void Trace_ReplaysInOrder_ThenErrorsByDefault()
    {
        var model = new TraceDelayOptions([0.001, 0.003, 0.002]).Build();
        var rng = new RandomStream(11);
        Assert.Equal([1_000_000L, 3_000_000L, 2_000_000L], Enumerable.Range(0, 3).Select(_ => model.Sample(rng).Nanoseconds));
        var e = Assert.Throws<SimByzException>(() => model.Sample(rng));
        Assert.Contains("exhausted", e.Message);
    }

    [Fact]
    public void Trace_Loop_StartsOver()
    {
        var model = new TraceDelayOptions([0.001, 0.002], TraceEndBehavior.Loop).Build();
        var rng = new RandomStream(12);
        Assert.Equal([1L, 2L, 1L, 2L, 1L], Enumerable.Range(0, 5).Select(_ => model.Sample(rng).Nanoseconds / 1_000_000));
    }

    [Fact]
    public void Trace_Fallback_DrawsFromFallbackAfterTheTrace_AndReplayDrawsNothing()
    {
        var options = new TraceDelayOptions([0.001], TraceEndBehavior.Fallback, new ExponentialDelayOptions(0.002));
        var model = options.Build();
        var rng = new RandomStream(13);
        var twin = new RandomStream(13);
        Assert.Equal(SimTime.FromMilliseconds(1), model.Sample(rng));
        Assert.Equal(Ns(-0.002 * DetMath.Log(twin.NextDoubleNonZero())), model.Sample(rng));
        Assert.Equal("trace:values=1ms,on-end=fallback+exponential:mean=2ms", options.ToSpec());
    }

    [Fact]
    public void Trace_FallbackMismatch_Throws()
    {
        Assert.Throws<SimByzException>(() => new TraceDelayOptions([0.001], TraceEndBehavior.Fallback));
        Assert.Throws<SimByzException>(() => new TraceDelayOptions([0.001], TraceEndBehavior.Loop, new ConstantDelayOptions(0)));
        Assert.Throws<SimByzException>(() => new TraceDelayOptions([]));
    }

    [Fact]
    public void Trace_EachBuild_HasItsOwnPosition()
    {
        var options = new TraceDelayOptions([0.001, 0.002]);
        var a = options.Build();
        var b = options.Build();
        var rng = new RandomStream(14);
        a.Sample(rng);
        Assert.Equal(SimTime.FromMilliseconds(1), b.Sample(rng));
        Assert.Equal(SimTime.FromMilliseconds(2), a.Sample(rng));
    }

    [Fact]
    public void TraceAndEmpirical_FromFile_SkipCommentsAndParseUnits()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["# worker 3 compute times", "1.5ms", "", "0.002", "250us"]);
            var trace = TraceDelayOptions.FromFile(path);
            Assert.Equal([0.0015, 0.002, 0.00025], trace.DurationsSeconds);
            Assert.Equal(3, EmpiricalDelayOptions.FromFile(path).ValuesSeconds.Count);
            File.WriteAllLines(path, ["1ms", "oops"]);
            var e = Assert.Throws<SimByzException>(() => TraceDelayOptions.FromFile(path));
            Assert.Contains("line 2: 'oops'", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Throws<SimByzException>(() => TraceDelayOptions.FromFile(path + ".missing"));
    }

    [Fact]
    public void Options_AreValueEqual_AndToStringIsTheSpec()
    {
        Assert.Equal(new LognormalDelayOptions(-6, 0.5), new LognormalDelayOptions(-6, 0.5));
        Assert.Equal(new EmpiricalDelayOptions([0.001, 0.002]), new EmpiricalDelayOptions([0.001, 0.002]));
        Assert.NotEqual(new EmpiricalDelayOptions([0.001, 0.002]), new EmpiricalDelayOptions([0.002, 0.001]));
        Assert.Equal(
            new TraceDelayOptions([0.001], TraceEndBehavior.Fallback, new ConstantDelayOptions(0.002)),
            DelayModelCatalog.Parse("trace:values=1ms,on-end=fallback+constant:t=2ms"));
        Assert.NotEqual(new TraceDelayOptions([0.001], TraceEndBehavior.Loop), new TraceDelayOptions([0.001]));
        Assert.Equal("pareto:scale=1ms,alpha=2.5", new ParetoDelayOptions(0.001, 2.5).ToString());
    }
}
