using SimByz.Scheduler;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Scenarios;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Engine;

/// <summary>
/// A synchronous round's payloads are the rows of one slab (<see cref="PayloadSlab"/>): the workers compute into their
/// rows, the attack reads the honest rows and writes the Byzantine rows in place, and the rule aggregates the rows in
/// place when the replies arrived in sending order. These tests run each scenario both ways (in place, and with a
/// vector of its own per message and copies, as every round did before) and require the same bytes everywhere a
/// result shows: the payload of every message as the server received it (late replies of first-k rounds included,
/// whose rows must survive the next rounds), every aggregate's effect on the model, the metrics rows.
/// </summary>
public class InPlaceRoundTests
{
    private const int Steps = 12;

    private static readonly string[] ByzFlSmall =
    [
        "task.data=gaussian-mixture:classes=10,features=64,train=4000,test=100,separation=3", "task.model=mlp:hidden=16,init=torch",
        "task.validation=0.2", "task.dataHolders=honest", "task.augmentation=hflip", "workers.batchSize=25",
        "workers.compute=constant:t=10ms", "workers.network=constant:t=1ms",
        "byzantine.attack=sign-flip:s=1,of=mean", "defences=[\"median\"]",
    ];

    /// <summary>Scenarios and whether the rule and the attack are expected to work in place on every round.</summary>
    public static TheoryData<string[], bool, bool> Scenarios => new()
    {
        // ByzFL's reference configuration in small: arrivals in sending order, Byzantine rows 0–7, honest 8–19.
        { ByzFlSmall, true, true },
        // Byzantine workers drawn at random: their rows are not consecutive, so the attack's rows are copied.
        { [.. ByzFlSmall, "byzantine.select=random"], true, false },
        // The default scenario: random delays (replies out of sending order: the batch is copied), sign flip of the own gradient.
        { ["defences=[\"krum:f=8\"]"], false, false },
        // First k of random delays: late replies still in flight when the next rounds reuse slabs; the attack on the
        // honest mean writes the (consecutive) Byzantine rows in place over the gradients those workers computed.
        { ["protocol.wait=first-k", "protocol.k=12", "defences=[\"median\"]", "byzantine.attack=sign-flip:s=1,of=mean"], false, true },
        // An attack on the honest rows with Byzantine workers that hold data (their own rows are computed, then overwritten in place).
        { ["workers.compute=constant:t=5ms", "workers.network=constant:t=1ms", "byzantine.attack=alie", "defences=[\"trimmed-mean:b=8\"]"], true, true },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Run_InPlaceAndCopied_SameBytes(string[] sets, bool aggregatesInPlace, bool craftsInPlace)
    {
        var inPlace = RunWith(sets, inPlaceRounds: true);
        var copied = RunWith(sets, inPlaceRounds: false);

        Assert.Equal(Steps, inPlace.Steps);
        Assert.Equal(copied.Arrivals.Count, inPlace.Arrivals.Count);
        for (int i = 0; i < copied.Arrivals.Count; i++)
        {
            Assert.Equal(copied.Arrivals[i].Id, inPlace.Arrivals[i].Id);
            Assert.True(copied.Arrivals[i].Bytes.AsSpan().SequenceEqual(inPlace.Arrivals[i].Bytes), $"payload of message {copied.Arrivals[i].Id} differs");
        }
        Assert.Equal(copied.Models.Count, inPlace.Models.Count);
        for (int i = 0; i < copied.Models.Count; i++) Assert.True(copied.Models[i].AsSpan().SequenceEqual(inPlace.Models[i]), $"model {i + 1} differs");
        Assert.Equal(copied.Rows, inPlace.Rows);

        // Which path each run took: the copying run never works in place; the in-place one does wherever the rows allow.
        Assert.Equal(0, copied.InPlaceAggregations);
        Assert.Equal(0, copied.InPlaceCraftings);
        Assert.Equal(aggregatesInPlace ? Steps : 0, inPlace.InPlaceAggregations);
        Assert.Equal(craftsInPlace ? Steps : 0, inPlace.InPlaceCraftings);
    }

    /// <summary>First k replies of random delays leave late replies in flight across rounds: some are dropped as late,
    /// so the slabs they hold rows of cannot be reused until they arrive (else their payloads above would differ).</summary>
    [Fact]
    public void FirstK_LateRepliesArriveAfterTheirRoundClosed()
    {
        var run = RunWith(["protocol.wait=first-k", "protocol.k=12", "defences=[\"median\"]", "byzantine.attack=sign-flip:s=1,of=mean"], inPlaceRounds: true);
        Assert.Contains(run.Arrivals, a => a.Version > a.ModelVersion);
    }

    /// <summary>A straggler in first-k rounds has a reply in flight from many closed rounds at once; each must hold a
    /// vector of its own, not its round's whole slab (n × d each), so one slab serves every round.</summary>
    [Fact]
    public void FirstK_Stragglers_OneSlabForTheWholeRun()
    {
        var scenario = ScenarioLoader.Load("default",
        [
            "protocol.wait=first-k", "protocol.k=12", "defences=[\"median\"]", "workers.compute=pareto:scale=5ms,alpha=1.1",
            "budget.steps=40", "evaluation.every=0",
        ]);
        var recorder = new Recorder();
        var run = new TrainingRun(ScenarioBuilder.Build(scenario), scenario.Defences[0], [recorder], int.MaxValue, inPlaceRounds: true);
        run.Run();
        Assert.Contains(recorder.Arrivals, a => a.Version > a.ModelVersion + 1); // replies that outlived more than one round
        Assert.Equal(1, run.SlabsCreated);
    }

    private static Outcome RunWith(string[] sets, bool inPlaceRounds)
    {
        var scenario = ScenarioLoader.Load("default", [.. sets, $"budget.steps={Steps}", "evaluation.every=4"]);
        var recorder = new Recorder();
        var run = new TrainingRun(ScenarioBuilder.Build(scenario), scenario.Defences[0], [recorder], int.MaxValue, inPlaceRounds);
        var result = run.Run();
        return new Outcome(result.Steps, recorder.Arrivals, recorder.Models, result.Rows.ToList(), run.InPlaceAggregations, run.InPlaceCraftings);
    }

    private sealed record Outcome(long Steps, List<Arrival> Arrivals, List<byte[]> Models, List<MetricsRow> Rows, long InPlaceAggregations, long InPlaceCraftings);

    private sealed record Arrival(long Id, long ModelVersion, long Version, byte[] Bytes);

    private sealed class Recorder : ISimulationObserver
    {
        public List<Arrival> Arrivals { get; } = [];

        public List<byte[]> Models { get; } = [];

        public void Arrived(SimTime time, long sequence, MessageInfo message, ReadOnlySpan<float> payload, long serverVersion)
            => Arrivals.Add(new Arrival(message.Id, message.ModelVersion, serverVersion, Bytes(payload)));

        public void ModelUpdated(SimTime time, long version, ReadOnlySpan<float> parameters) => Models.Add(Bytes(parameters));

        private static byte[] Bytes(ReadOnlySpan<float> values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray();
    }
}
