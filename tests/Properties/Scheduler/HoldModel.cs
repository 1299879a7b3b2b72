using SimByz.Scheduler;
using SimByz.Tests.Properties.Generators;

namespace SimByz.Tests.Properties.Scheduler;

/// <summary>The hold model used by the properties: each worker, on completing, starts again after a delay drawn from its own stream.</summary>
internal static class HoldModel
{
    internal sealed record Entry(SimTime Time, long Sequence, int Worker, SimTime NextDelay);

    internal static List<Entry> Run(HoldScenario scenario, int extraWorkers = 0)
    {
        int workers = scenario.Workers + extraWorkers;
        var sim = new Simulation<int>(initialCapacity: 1);
        var models = new IDelayModel[workers];
        var streams = new RandomStream[workers];
        for (int w = 0; w < workers; w++)
        {
            models[w] = scenario.Delay.Build();
            streams[w] = RandomStreams.Derive(scenario.Seed, StreamPurpose.WorkerCompute, w);
            sim.ScheduleAfter(models[w].Sample(streams[w]), w);
        }
        var log = new List<Entry>();
        sim.RunEvents(scenario.Events, e =>
        {
            var delay = models[e.Payload].Sample(streams[e.Payload]);
            log.Add(new Entry(e.Time, e.Sequence, e.Payload, delay));
            sim.ScheduleAfter(delay, e.Payload);
        });
        return log;
    }
}
