using SimByz.Cli;
using SimByz.Scheduler;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Engine;
using SimByz.Simulator.Engine.Federation;
using SimByz.Simulator.Scenarios;
using SimByz.Simulator.Traces;
using SimByz.Testing.Simulator;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Engine;

public class FederationTests
{
    /// <summary>A small task; federation sets are added per test.</summary>
    private const string BaseJson = """
    {
      "name": "fed", "seed": 5,
      "task": { "data": "gaussian-mixture:classes=4,features=6,train=3000,test=300,separation=3", "model": "softmax", "validation": 200 },
      "workers": { "count": 9, "batchSize": 16, "compute": "exponential:mean=5ms", "network": "uniform:min=1ms,max=3ms" },
      "byzantine": { "attack": "sign-flip:s=4" },
      "protocol": { "kind": "sync", "wait": "all" },
      "optimizer": { "learningRate": 0.1, "localSteps": 2 },
      "defences": ["mean", "median"],
      "budget": { "steps": 30 },
      "evaluation": { "every": 5 }
    }
    """;

    private static Scenario Fed(params string[] sets) => ScenarioLoader.Parse(BaseJson, "test").With(sets);

    /// <summary>Records the samples a run reports, beside the usual records.</summary>
    private sealed class SampleObserver : ISimulationObserver
    {
        public List<(SimTime Time, long Round, int Clients, int Byzantine)> Samples { get; } = [];
        public List<(SimTime Time, MessageInfo Message)> Dispatches { get; } = [];
        public List<MetricsRow> Rows { get; } = [];

        public void ClientsSampled(SimTime time, long round, int clients, int byzantine) => Samples.Add((time, round, clients, byzantine));

        public void Dispatched(SimTime time, long sequence, MessageInfo message) => Dispatches.Add((time, message));

        public void Evaluated(SimTime time, MetricsRow row) => Rows.Add(row);
    }

    private static (RunResult Result, SampleObserver Observer, TrainingRun Run) RunOne(Scenario s, string? defence = null)
    {
        var setup = ScenarioBuilder.Build(s);
        var observer = new SampleObserver();
        var run = new TrainingRun(setup, defence ?? s.Defences[0], [observer]);
        return (run.Run(), observer, run);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Clients_KeepTheirLatestMessage_OnlyWhenAskedAndHonest(bool keepLatest)
    {
        // Clients are made afresh at each activation: one that kept its latest message would copy a model-size
        // vector every round, which only the asynchronous omniscient attack reads, and only of honest clients.
        var setup = ScenarioBuilder.Build(Fed("federation={\"clients\":40,\"perRound\":10,\"byzantine\":10}", "optimizer.localSteps=1"));
        var population = setup.Federation!;
        var factory = new SimByz.Simulator.Engine.Federation.ClientFactory(setup, setup.Train, () => setup.Train, setup.Model.CloneForRun(), keepLatest);
        int honest = Enumerable.Range(0, population.Clients).First(c => !population.IsByzantine(c));
        int byzantine = Enumerable.Range(0, population.Clients).First(population.IsByzantine);
        var x = new float[setup.Model.ParameterCount];
        foreach (int client in new[] { honest, byzantine })
        {
            var w = factory.Create(client, activation: 0);
            w.ComputeMessage(x, setup.Optimizer, 0.1, new float[x.Length]);
            Assert.Equal(keepLatest && client == honest, w.Latest is not null);
            factory.Release(w);
        }
    }

    [Fact]
    public void Floyd_SmallN_EverySubsetEquallyLikely()
    {
        // All C(6,3) = 20 subsets, 40 000 samples from a fixed seed: Pearson's χ² with 19 degrees of freedom must stay
        // below 43.82, its 0.999 quantile (a correct sampler fails this for one seed in a thousand; this seed is fixed).
        const int n = 6, m = 3, draws = 40_000;
        var rng = RandomStreams.Derive(11, "test.floyd");
        var counts = new Dictionary<int, int>();
        var set = new HashSet<int>();
        for (int k = 0; k < draws; k++)
        {
            ClientSampler.Floyd(rng, n, m, set);
            Assert.Equal(m, set.Count);
            Assert.All(set, c => Assert.InRange(c, 0, n - 1));
            int mask = set.Sum(c => 1 << c);
            counts[mask] = counts.GetValueOrDefault(mask) + 1;
        }
        Assert.Equal(20, counts.Count);
        double expected = draws / 20.0;
        double chi2 = counts.Values.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chi2 < 43.82, $"χ² = {chi2} over 20 subsets");
    }

    [Fact]
    public void SampleRound_MillionClients_DistinctSortedAndEachClientAsLikely()
    {
        // N = 10⁶, m = 20: every round's sample is m distinct ids in [0, N), sorted. Over 5 000 rounds the ids fall in
        // ten equal bins of the id range evenly: χ² with 9 degrees of freedom below 27.88, its 0.999 quantile.
        var population = new ClientPopulation(1_000_000, 20, 0, [0, 1, 2], seed: 3);
        var sampler = new ClientSampler(population);
        var round = new List<int>();
        var bins = new long[10];
        for (int r = 0; r < 5000; r++)
        {
            sampler.SampleRound(SimTime.Zero, round);
            Assert.Equal(20, round.Count);
            for (int i = 1; i < round.Count; i++) Assert.True(round[i - 1] < round[i]);
            Assert.InRange(round[0], 0, 999_999);
            Assert.InRange(round[^1], 0, 999_999);
            foreach (int c in round) bins[c / 100_000]++;
        }
        double expected = 5000 * 20 / 10.0;
        double chi2 = bins.Sum(b => (b - expected) * (b - expected) / expected);
        Assert.True(chi2 < 27.88, $"χ² = {chi2}");
    }

    [Fact]
    public void Permutation_IsABijection()
    {
        foreach (int n in new[] { 1, 2, 3, 7, 16, 17, 100, 1000, 4097 })
        {
            var p = new ClientPermutation(n, seed: (ulong)n * 31);
            var seen = new bool[n];
            for (int x = 0; x < n; x++)
            {
                long y = p.Apply(x);
                Assert.InRange(y, 0, n - 1);
                Assert.False(seen[y], $"n = {n}: {y} hit twice");
                seen[y] = true;
            }
        }
    }

    [Fact]
    public void Population_ExactlyQByzantine_AndShardsFollowTheRule()
    {
        var pool = Enumerable.Range(100, 1000).ToArray();
        var few = new ClientPopulation(300, 10, 75, pool, seed: 9);
        Assert.Equal(75, Enumerable.Range(0, 300).Count(few.IsByzantine));
        // N ≤ R: disjoint shards covering the pool, sizes ⌊R/N⌋ or ⌈R/N⌉.
        var covered = Enumerable.Range(0, 300).SelectMany(c => few.ShardOf(c).ToArray()).ToList();
        Assert.Equal(pool, covered);
        Assert.All(Enumerable.Range(0, 300), c => Assert.InRange(few.ShardOf(c).Length, 3, 4));
        // N > R: one row each, the row at ⌊c·R/N⌋.
        var many = new ClientPopulation(5000, 10, 0, pool, seed: 9);
        Assert.All(new[] { 0, 1, 4, 5, 2499, 4999 }, c => Assert.Equal(new[] { pool[c * 1000 / 5000] }, many.ShardOf(c).ToArray()));
        Assert.Equal(0, Enumerable.Range(0, 5000).Count(many.IsByzantine));
        Assert.Equal((int)Math.Ceiling(10 * 75 / 300.0), few.AssumedByzantinePerRound);
    }

    [Fact]
    public void Sync_ByzantinePerRoundVaries_AndIsRecordedInMetricsAndTrace()
    {
        var s = Fed("federation={\"clients\":1000,\"perRound\":10,\"byzantine\":0.3}", "evaluation.every=1");
        var (result, observer, _) = RunOne(s);
        Assert.Equal(30, observer.Samples.Count);
        Assert.All(observer.Samples, x => Assert.Equal(10, x.Clients));
        Assert.True(observer.Samples.Select(x => x.Byzantine).Distinct().Count() >= 3, "the Byzantine count per round should vary");
        // Each round's Byzantine count is that of its dispatched messages, and the metrics row after it reports it.
        var population = ScenarioBuilder.Build(s).Federation!;
        for (int r = 0; r < 30; r++)
        {
            var round = observer.Dispatches.Where(d => d.Message.ModelVersion == r).Select(d => d.Message).ToList();
            Assert.Equal(10, round.Count);
            Assert.Equal(10, round.Select(m => m.Worker).Distinct().Count());
            Assert.All(round, m => Assert.Equal(population.IsByzantine(m.Worker), m.Byzantine));
            Assert.Equal(observer.Samples[r].Byzantine, round.Count(m => m.Byzantine));
            var row = result.Rows.Single(x => x.Step == r + 1);
            Assert.Equal(observer.Samples[r].Byzantine, row.ByzantineInRoundMin);
            Assert.Equal(observer.Samples[r].Byzantine, row.ByzantineInRoundMax);
        }
        Assert.Contains("byzantine_in_round_mean", MetricsRow.CsvHeaderFor(true), StringComparison.Ordinal);
        Assert.EndsWith("," + MetricsRow.Format(result.Rows[^1].ByzantineInRoundMax), result.Rows[^1].ToCsv(), StringComparison.Ordinal);
        var (_, trace) = TracedExperiment.Run(s, ScenarioBuilder.Build(s), "test");
        Assert.Equal(60, trace!.Text().Split('\n').Count(l => l.Contains("\"type\":\"clients\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void Classic_MetricsRows_HaveNoFederatedColumns()
    {
        var s = Fed();
        var (result, observer, _) = RunOne(s);
        Assert.Empty(observer.Samples);
        Assert.All(result.Rows, r => Assert.False(r.Federated));
        Assert.Equal(MetricsRow.CsvHeader.Split(',').Length, result.Rows[^1].ToCsv().Split(',').Length);
        Assert.DoesNotContain("federation", s.ToJson().ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sync")]
    [InlineData("async")]
    public void SameSeed_SameTraceBytes_WhateverTheThreadCount(string kind)
    {
        var s = Fed("federation={\"clients\":100000,\"perRound\":8,\"byzantine\":2000}", $"protocol.kind={kind}",
            kind == "async" ? "defences=[\"async-sgd\",\"median\"]" : "defences=[\"mean\",\"median\"]", "protocol.asyncBuffer=4");
        var one = TracedExperiment.Run(s, ScenarioBuilder.Build(s), "test", maxThreads: 1).Trace!.Text();
        var two = TracedExperiment.Run(s, ScenarioBuilder.Build(s), "test", maxThreads: 2).Trace!.Text();
        Assert.Equal(one, two);
        var other = TracedExperiment.Run(s.With("seed=6"), ScenarioBuilder.Build(s.With("seed=6")), "test").Trace!.Text();
        Assert.NotEqual(one, other);
    }

    [Fact]
    public void Async_KeepsPerRoundClientsActive_EachClientSendsOncePerActivation()
    {
        var s = Fed("federation={\"clients\":50,\"perRound\":6,\"byzantine\":10}", "protocol.kind=async", "defences=[\"async-sgd\"]", "budget.steps=60");
        var (result, observer, run) = RunOne(s);
        Assert.Equal(60, result.Steps);
        Assert.All(observer.Samples, x => Assert.InRange(x.Clients, 1, 6));
        Assert.Equal(6, observer.Samples.Take(6).Last().Clients);
        Assert.True(run.ClientModelsMade <= 6, $"{run.ClientModelsMade} models for 6 slots");
        // Every sampling starts one message (no omission here), and the first six fill the six slots at time 0.
        Assert.Equal(observer.Samples.Count, observer.Dispatches.Count);
        Assert.All(observer.Dispatches.Take(6), d => Assert.Equal(SimTime.Zero, d.Time));
        Assert.True(observer.Samples.Select(x => x.Byzantine).Distinct().Count() >= 2);
    }

    [Theory]
    [InlineData("sync")]
    [InlineData("async")]
    public void AvailabilityTrace_OnlyAvailableClientsTakePart(string kind)
    {
        string dir = Directory.CreateTempSubdirectory("simbyz-fed-").FullName;
        try
        {
            string csv = Path.Combine(dir, "clients.csv");
            File.WriteAllText(csv, "client,from,to\n0,0s,50ms\n1,0s,\n2,20ms,80ms\n3,0s,50ms\n4,60ms,200ms\n5,100ms,\n6,30ms,40ms\n6,70ms,90ms\n");
            var trace = AvailabilityTrace.Load(csv, 10);
            var s = Fed($"federation={{\"clients\":10,\"perRound\":2,\"sampling\":\"availability:file={csv}\",\"byzantine\":3}}", $"protocol.kind={kind}",
                kind == "async" ? "defences=[\"async-sgd\"]" : "defences=[\"mean\"]", "budget.steps=40");
            var (_, observer, _) = RunOne(s);
            Assert.NotEmpty(observer.Dispatches);
            foreach (var (time, message) in observer.Dispatches)
            {
                Assert.True(trace.Windows.Any(w => w.Client == message.Worker && w.From <= time && time < w.To),
                    $"client {message.Worker} dispatched at {time} outside its windows");
            }
            // Clients never listed never take part; clients listed do.
            Assert.DoesNotContain(observer.Dispatches, d => d.Message.Worker > 6);
            Assert.Contains(observer.Dispatches, d => d.Message.Worker == 1);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AvailabilityTrace_NobodyAvailable_RoundWaitsForTheNextWindow()
    {
        var trace = AvailabilityTrace.Parse("client,from,to\n3,1s,2s\n", "t.csv", 5);
        var population = new ClientPopulation(5, 2, 0, [0, 1], seed: 1, trace);
        var sampler = new ClientSampler(population);
        var round = new List<int>();
        sampler.SampleRound(SimTime.Zero, round);
        Assert.Empty(round);
        Assert.Equal(SimTime.FromSeconds(1), sampler.NextOpening());
        sampler.SampleRound(SimTime.FromSeconds(1.5), round);
        Assert.Equal([3], round);
        Assert.Equal(-1, sampler.SampleOne(SimTime.FromSeconds(1.6), 1, c => c == 3));
        sampler.SampleRound(SimTime.FromSeconds(2), round);
        Assert.Empty(round);
        Assert.Equal(SimTime.MaxValue, sampler.NextOpening());
    }

    [Theory]
    [InlineData("", "1: expected the header 'client,from,to'")]
    [InlineData("client,from\n", "1: expected the header")]
    [InlineData("client,from,to\n1,0s\n", "t.csv:2: expected 3 cells")]
    [InlineData("client,from,to\n1,0s,1s\n\n", "t.csv:3: expected 3 cells")]
    [InlineData("client,from,to\n1,0s,1s\n9,0s,1s\n", "t.csv:3: client '9' is not a client id in [0, 4]")]
    [InlineData("client,from,to\n-1,0s,1s\n", "t.csv:2: client '-1'")]
    [InlineData("client,from,to\n1,2s,1s\n", "t.csv:2: to (1s) must be after from (2s)")]
    [InlineData("client,from,to\n1,soon,1s\n", "t.csv:2: from 'soon' is not a time")]
    [InlineData("client,from,to\n1,,1s\n", "t.csv:2: from is empty")]
    [InlineData("client,from,to\n", "no window")]
    public void AvailabilityTrace_Malformed_OneLineNamingTheLine(string text, string expected)
    {
        var ex = Assert.Throws<SimByzException>(() => AvailabilityTrace.Parse(text, "t.csv", 5));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void MillionClients_TenPerRound_MemoryFollowsTheActiveClients()
    {
        // O(N) client state would hold, per client, a model and three d-vectors: 10⁶ × 3 × 210 × 4 bytes ≈ 2.5 GB.
        // Everything this run allocates, on this thread, from building the setup to the end, is far below that
        // (so is its peak), and it never holds more than m client models at once.
        var s = Fed("federation={\"clients\":1000000,\"perRound\":10,\"byzantine\":0.2}", "budget.steps=50", "defences=[\"median\"]");
        GC.Collect();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var setup = ScenarioBuilder.Build(s);
        var run = new TrainingRun(setup, "median");
        var result = run.Run();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(50, result.Steps);
        Assert.True(run.ClientModelsMade <= 10, $"{run.ClientModelsMade} client models");
        long perClientState = 1_000_000L * 3 * setup.Model.ParameterCount * sizeof(float);
        Assert.True(allocated < perClientState / 20, $"allocated {allocated / 1e6:F1} MB; O(N) state would be {perClientState / 1e6:F0} MB");
        // The memory estimate counts the 10 clients of a round, not the 10⁶.
        var estimate = MemoryEstimate.Of(s, CompositionRoot.Default);
        var tenWorkers = MemoryEstimate.Of(s.With("federation=null", "workers.count=10"), CompositionRoot.Default);
        Assert.Equal(tenWorkers.ParameterBytes, estimate.ParameterBytes);
    }

    [Theory]
    [InlineData("{\"clients\":0,\"perRound\":1}", "$.federation.clients: 0 is out of range")]
    [InlineData("{\"clients\":5,\"perRound\":6}", "$.federation.perRound: 6 is more than the 5 clients")]
    [InlineData("{\"perRound\":6}", "$.federation.clients: is required")]
    [InlineData("{\"clients\":5}", "$.federation.perRound: is required")]
    [InlineData("{\"clients\":5,\"perRound\":2,\"byzantine\":5}", "$.federation.byzantine: 5 Byzantine clients of 5")]
    [InlineData("{\"clients\":5,\"perRound\":2,\"sampling\":\"random\"}", "$.federation.sampling: 'random' is not a sampling")]
    [InlineData("{\"clients\":5,\"perRound\":2,\"extra\":1}", "extra")]
    [InlineData("{\"clients\":5,\"perRound\":2,\"sampling\":\"availability:file=/nonexistent/c.csv\"}", "$.federation.sampling: availability trace /nonexistent/c.csv: cannot be read")]
    public void Cli_BadFederation_OneLineExit2_NothingWritten(string federation, string expected)
    {
        string dir = Path.Combine(Path.GetTempPath(), "simbyz-fed-bad-" + Path.GetRandomFileName());
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(["run", "--set", "federation=" + federation, "--set", "budget.steps=2", "--out", dir], stdout, stderr);
        string err = stderr.ToString();
        Assert.Equal(2, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void Cli_MalformedAvailabilityCsv_OneLineWithTheLineNumber()
    {
        string dir = Directory.CreateTempSubdirectory("simbyz-fed-").FullName;
        try
        {
            string csv = Path.Combine(dir, "c.csv");
            File.WriteAllText(csv, "client,from,to\n0,0s,1s\n1,1s,0.5s\n");
            var stderr = new StringWriter();
            int code = Program.Run(["run", "--set", $"federation={{\"clients\":4,\"perRound\":2,\"sampling\":\"availability:file={csv}\"}}", "--out", Path.Combine(dir, "out")], new StringWriter(), stderr);
            Assert.Equal(2, code);
            Assert.Equal($"simbyz: error: $.federation.sampling: availability trace {csv}:3: to (500ms) must be after from (1s)", stderr.ToString().Trim());
            Assert.False(Directory.Exists(Path.Combine(dir, "out")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void DocumentedExample_LoadsItsTraceBesideIt_AndRuns()
    {
        string root = SimByz.Tests.Unit.Sweeps.SweepFixtures.RepoRoot;
        string file = Path.Combine(root, "docs", "scenarios", "federated-availability.json");
        var s = ScenarioLoader.Load(file, ["budget.steps=20"]);
        Assert.Equal(Path.Combine(root, "docs", "scenarios", "federated-clients.csv"), s.Federation!.TraceFile);
        Assert.Equal(200, s.Federation.ByzantineClients);
        var setup = ScenarioBuilder.Build(s);
        var results = SimByz.Simulator.Output.ExperimentRunner.RunAll(s, setup);
        Assert.All(results, r => Assert.Equal(20, r.Steps));
        Assert.All(results, r => Assert.True(r.Final.ByzantineApplied + r.Final.ByzantineRejected > 0));
    }

    [Fact]
    public void Loader_FederationRejectsWhatCannotApplyToClients()
    {
        const string fed = "federation={\"clients\":100,\"perRound\":5}";
        Assert.Contains("$.workers.overrides", Assert.Throws<SimByzException>(() => Fed(fed, "workers.overrides=[{\"workers\":[1],\"compute\":\"constant:t=1ms\"}]")).Message, StringComparison.Ordinal);
        Assert.Contains("$.workers.availability", Assert.Throws<SimByzException>(() => Fed(fed, "workers.availability=[{\"worker\":1,\"crash\":\"1s\"}]")).Message, StringComparison.Ordinal);
        Assert.Contains("$.task.partition", Assert.Throws<SimByzException>(() => Fed(fed, "task.partition=dirichlet:alpha=0.5")).Message, StringComparison.Ordinal);
        Assert.Contains("$.protocol.k", Assert.Throws<SimByzException>(() => Fed(fed, "protocol.wait=first-k", "protocol.k=6")).Message, StringComparison.Ordinal);
        // A rule whose tolerance fails at m names the field that sets m.
        var krum = Assert.Throws<SimByzException>(() => ScenarioBuilder.Build(Fed("federation={\"clients\":100,\"perRound\":5,\"byzantine\":40}", "defences=[\"krum:f=2\"]")));
        Assert.Contains("with federation.perRound = 7 it holds", krum.Message, StringComparison.Ordinal);
        // byzantine.count no longer decides anything: a warning says so.
        var s = Fed(fed, "byzantine.count=3");
        Assert.Contains(ScenarioWarnings.Check(s, ScenarioBuilder.Build(s)), w => w.StartsWith("byzantine.count 3 has no effect with federation", StringComparison.Ordinal));
    }
}
