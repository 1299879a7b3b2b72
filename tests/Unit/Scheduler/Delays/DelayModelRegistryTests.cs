using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Scheduler.Delays;

public class DelayModelCatalogTests
{
    [Fact]
    public void Models_ListsEveryModelInOrder()
        => Assert.Equal(
            ["constant", "uniform", "exponential", "lognormal", "pareto", "empirical", "trace", "shifted", "straggler"],
            DelayModelCatalog.Models.Select(m => m.Name));

    [Theory]
    [InlineData("constant:t=5ms", "constant:t=5ms")]
    [InlineData("constant:t=0.005", "constant:t=5ms")]
    [InlineData("uniform:min=1ms,max=3ms", "uniform:min=1ms,max=3ms")]
    [InlineData("exponential:mean=2ms", "exponential:mean=2ms")]
    [InlineData("lognormal:mu=-6,sigma=0.5", "lognormal:mu=-6,sigma=0.5")]
    [InlineData("pareto:scale=1ms,alpha=2.5", "pareto:scale=1ms,alpha=2.5")]
    [InlineData("empirical:values=1ms;2ms;0.005", "empirical:values=1ms;2ms;5ms")]
    [InlineData("trace:values=1ms;2ms,on-end=loop", "trace:values=1ms;2ms,on-end=loop")]
    [InlineData("trace:values=1ms", "trace:values=1ms,on-end=error")]
    [InlineData("trace:values=1ms,on-end=fallback+constant:t=3ms", "trace:values=1ms,on-end=fallback+constant:t=3ms")]
    [InlineData("straggler:p=0.1,factor=10+lognormal:mu=-6,sigma=0.5", "straggler:p=0.1,factor=10+lognormal:mu=-6,sigma=0.5")]
    [InlineData(" shifted : offset = 1ms + straggler:p=0.05,factor=20+exponential:mean=2ms", "shifted:offset=1ms+straggler:p=0.05,factor=20+exponential:mean=2ms")]
    [InlineData("constant:t=1.000000001s", "constant:t=1.000000001s")]
    public void Parse_ValidSpec_GivesCanonicalSpecThatRoundTrips(string spec, string canonical)
    {
        var options = DelayModelCatalog.Parse(spec);
        Assert.Equal(canonical, options.ToSpec());
        Assert.Equal(canonical, DelayModelCatalog.Parse(canonical).ToSpec());
        Assert.Equal(canonical, DelayModelCatalog.Create(spec).Spec);
    }

    [Fact]
    public void Parse_Chain_BuildsNestedOptions()
    {
        var options = Assert.IsType<ShiftedDelayOptions>(DelayModelCatalog.Parse("shifted:offset=1ms+straggler:p=0.1,factor=10+exponential:mean=2ms"));
        var straggler = Assert.IsType<StragglerDelayOptions>(options.Inner);
        Assert.Equal(0.1, straggler.Probability);
        Assert.Equal(0.002, Assert.IsType<ExponentialDelayOptions>(straggler.Inner).MeanSeconds);
    }

    [Theory]
    [InlineData("gamma:k=2", "unknown model 'gamma'")]
    [InlineData("constant:t=5ms,x=1", "unknown parameter 'x'")]
    [InlineData("constant", "parameter 't' is required")]
    [InlineData("constant:t=soon", "parameter 't=soon' is invalid")]
    [InlineData("constant:t=-1ms", "t = -1ms is invalid")]
    [InlineData("uniform:min=3ms,max=1ms", "min = 3ms exceeds max = 1ms")]
    [InlineData("lognormal:mu=-6", "'sigma' is required")]
    [InlineData("straggler:p=2,factor=10+constant:t=1ms", "p = 2 is invalid")]
    [InlineData("constant:t=1ms+exponential:mean=2ms", "'constant' must be the last model")]
    [InlineData("shifted:offset=1ms", "'shifted' wraps the model after it, but none follows")]
    [InlineData("trace:values=1ms,on-end=fallback", "on-end=fallback needs the fallback model")]
    [InlineData("trace:values=1ms+constant:t=1ms", "used only with on-end=fallback")]
    [InlineData("trace:values=1ms,on-end=repeat", "expected one of error, loop, fallback")]
    [InlineData("empirical:values=1ms;x", "item 2 'x' is not a duration")]
    [InlineData("empirical:values=1ms,file=a.txt", "exactly one of 'values'")]
    [InlineData("trace:file=/nonexistent/simbyz-trace.txt", "durations file '/nonexistent/simbyz-trace.txt' does not exist")]
    public void Parse_BadSpec_ThrowsSimByzExceptionNamingTheProblem(string spec, string expected)
    {
        var e = Assert.Throws<SimByzException>(() => DelayModelCatalog.Parse(spec));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("delay model '", e.Message);
    }

    [Fact]
    public void Models_EveryEntryDocumentsItsParameters()
    {
        foreach (var info in DelayModelCatalog.Models)
        {
            Assert.False(string.IsNullOrWhiteSpace(info.Summary));
            Assert.NotEmpty(info.Parameters);
            Assert.All(info.Parameters, p => Assert.False(string.IsNullOrWhiteSpace(p.Description)));
        }
    }
}
