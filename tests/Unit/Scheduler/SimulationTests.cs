using SimByz.Scheduler;
using Xunit;

namespace SimByz.Tests.Unit.Scheduler;

public class SimulationTests
{
    [Fact]
    public void RunToEmpty_HandlerSchedulesMore_AdvancesClockMonotonically()
    {
        var sim = new Simulation<int>();
        sim.ScheduleAt(new SimTime(10), 3);
        var seen = new List<(long, int)>();
        long handled = sim.RunToEmpty(e =>
        {
            seen.Add((sim.Now.Nanoseconds, e.Payload));
            if (e.Payload > 0) sim.ScheduleAfter(new SimTime(5), e.Payload - 1);
        });
        Assert.Equal(4, handled);
        Assert.Equal([(10L, 3), (15L, 2), (20L, 1), (25L, 0)], seen);
        Assert.Equal(0, sim.Pending);
    }

    [Fact]
    public void RunUntil_StopsAtEnd_AndSetsClock()
    {
        var sim = new Simulation<int>();
        sim.ScheduleAt(new SimTime(5), 1);
        sim.ScheduleAt(new SimTime(10), 2);
        sim.ScheduleAt(new SimTime(11), 3);
        var seen = new List<int>();
        Assert.Equal(2, sim.RunUntil(new SimTime(10), e => seen.Add(e.Payload)));
        Assert.Equal([1, 2], seen);
        Assert.Equal(new SimTime(10), sim.Now);
        Assert.Equal(1, sim.Pending);
        sim.RunUntil(new SimTime(100), e => seen.Add(e.Payload));
        Assert.Equal(new SimTime(100), sim.Now);
    }

    [Fact]
    public void RunEvents_AndRunWhile_RespectLimits()
    {
        var sim = new Simulation<int>();
        for (int i = 0; i < 10; i++) sim.ScheduleAt(new SimTime(i), i);
        Assert.Equal(3, sim.RunEvents(3, _ => { }));
        int last = -1;
        Assert.Equal(4, sim.RunWhile(e => last = e.Payload, () => last < 6));
        Assert.Equal(6, last);
        Assert.Equal(7, sim.EventsProcessed);
    }

    [Fact]
    public void ScheduleAt_InThePast_Throws()
    {
        var sim = new Simulation<int>();
        sim.ScheduleAt(new SimTime(10), 1);
        sim.Step(_ => { });
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.ScheduleAt(new SimTime(9), 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.ScheduleAfter(new SimTime(-1), 2));
    }

    [Fact]
    public void Cancel_FromHandler_PreventsLaterEvent()
    {
        var sim = new Simulation<string>();
        var timeout = sim.ScheduleAt(new SimTime(100), "timeout");
        sim.ScheduleAt(new SimTime(50), "reply");
        var seen = new List<string>();
        sim.RunToEmpty(e =>
        {
            seen.Add(e.Payload);
            if (e.Payload == "reply") Assert.True(sim.Cancel(timeout));
        });
        Assert.Equal(["reply"], seen);
        Assert.False(sim.IsPending(timeout));
    }
}
