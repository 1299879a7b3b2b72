using System.Globalization;
using SimByz.Cli;
using SimByz.Simulator.Reproductions;
using Xunit;

namespace SimByz.Tests.Unit.Reproductions;

/// <summary>
/// Every <c>simbyz reproduce NAME --quick</c> once, in-process, through the CLI: the files exist and parse,
/// and the qualitative claims that hold robustly at quick size hold. Needs Fashion-MNIST
/// (dataset-fashion-mnist, installed by .ci/run).
/// </summary>
public sealed class ReproduceCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string TempDir() => Path.Combine(Path.GetTempPath(), "simbyz-repro-" + Path.GetRandomFileName());

    /// <summary>Runs a quick reproduction into a fresh folder, checks the common file contract, and hands the folder to <paramref name="check"/>.</summary>
    private static void Quick(string name, Action<string> check, int threads = 2)
    {
        string dir = TempDir();
        try
        {
            var (code, output, err) = Run("reproduce", name, "--quick", "--out", dir, "--threads", threads.ToString(CultureInfo.InvariantCulture));
            Assert.True(code == 0, err);
            Assert.Contains("wrote", output, StringComparison.Ordinal);
            string md = File.ReadAllText(Path.Combine(dir, name + ".md"));
            Assert.Contains($"simbyz reproduce {name} --quick", md, StringComparison.Ordinal);
            Assert.Contains("| --- |", md, StringComparison.Ordinal);
            var pngs = Directory.GetFiles(dir, "*.png");
            Assert.NotEmpty(pngs);
            foreach (string png in pngs)
            {
                Assert.True(new FileInfo(png).Length > 5000, png);
                Assert.Contains($"]({Path.GetFileName(png)})", md, StringComparison.Ordinal);
            }
            Assert.NotEmpty(Directory.GetFiles(dir, "*.csv"));
            Assert.Empty(Directory.GetFiles(dir, ".*"));
            check(dir);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    /// <summary>Reads a CSV into header and rows (no quoted commas in the columns the tests read).</summary>
    private static (string[] Header, List<string[]> Rows) Csv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(ParseCsvLine).ToList();
        Assert.All(rows, r => Assert.Equal(header.Length, r.Length));
        return (header, rows);
    }

    private static string[] ParseCsvLine(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else current.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(c);
        }
        fields.Add(current.ToString());
        return fields.ToArray();
    }

    private static double D(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Final test accuracy of each defence in a metrics CSV (the last row of each defence).</summary>
    private static Dictionary<string, double> FinalAccuracy(string path)
    {
        var (header, rows) = Csv(path);
        Assert.Equal(SimByz.Simulator.Engine.MetricsRow.CsvHeader, string.Join(',', header));
        int defence = Array.IndexOf(header, "defence"), acc = Array.IndexOf(header, "test_accuracy");
        var final = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var r in rows) final[r[defence]] = D(r[acc]);
        return final;
    }

    [Fact]
    public void Reproduce_ToyMedian_MedianFlipsSignMeanDoesNot()
    {
        Quick("toy-median", dir =>
        {
            var (_, values) = Csv(Path.Combine(dir, "toy-median-values.csv"));
            var attacked = values.Where(r => r[0] == "attacked").Select(r => (float)D(r[2])).ToArray();
            Assert.Equal(new[] { -0.3f, 1f, 2f, -0.9f, -0.9f }, attacked);
            var (_, rows) = Csv(Path.Combine(dir, "toy-median.csv"));
            var attackedAggregate = rows.ToDictionary(r => r[0], r => D(r[2]));
            Assert.Equal(-0.3f, (float)attackedAggregate["median"]);
            Assert.Equal(0.18, attackedAggregate["mean"], 6);
            Assert.Contains(rows, r => r[0] == "median" && r[3] == "false");
            Assert.Contains(rows, r => r[0] == "mean" && r[3] == "true");
        });
    }

    [Fact]
    public void Reproduce_FallOfEmpires_MedianAndKrumTurnNegativeWhileMeanStaysPositive()
    {
        Quick("fall-of-empires", dir =>
        {
            var (_, rows) = Csv(Path.Combine(dir, "fall-of-empires.csv"));
            Assert.Equal(FallOfEmpiresReproduction.Qs.Length * FallOfEmpiresReproduction.Epsilons.Length * 3, rows.Count);
            double Value(int q, double eps, string rule) => D(rows.Single(r => r[0] == q.ToString(CultureInfo.InvariantCulture)
                && D(r[1]) == eps && r[2].StartsWith(rule, StringComparison.Ordinal))[3]);
            foreach (double eps in new[] { 0.2, 0.5 })
            {
                // n − 2q = 1: Median's inner product with the true gradient is negative, Mean's positive (ε < (n − q)/q).
                Assert.True(Value(10, eps, "median") < 0, $"median q=10 eps={eps}: {Value(10, eps, "median")}");
                Assert.True(Value(10, eps, "mean") > 0, $"mean q=10 eps={eps}");
                // n − 2q = 3: Krum's too.
                Assert.True(Value(9, eps, "krum") < 0, $"krum q=9 eps={eps}: {Value(9, eps, "krum")}");
                Assert.True(Value(9, eps, "mean") > 0, $"mean q=9 eps={eps}");
            }
            // Few Byzantine workers: Median keeps the right sign.
            Assert.True(Value(3, 0.5, "median") > 0);
        });
    }

    [Fact]
    public void Reproduce_ZenoNoAttack_ZenoWithinAFewPointsOfMean()
    {
        Quick("zeno-no-attack", dir =>
        {
            var acc = FinalAccuracy(Path.Combine(dir, "zeno-no-attack-q0.csv"));
            Assert.Equal(3, acc.Count);
            Assert.True(acc["mean"] > 0.5, $"mean learns: {acc["mean"]}");
            Assert.True(Math.Abs(acc[TrainingReproductions.Zeno(4)] - acc["mean"]) < 0.05, $"zeno {acc[TrainingReproductions.Zeno(4)]} vs mean {acc["mean"]}");
        });
    }

    [Fact]
    public void Reproduce_ZenoLabelFlip_ZenoLearnsWhereMeanFailsAtTwelve()
    {
        Quick("zeno-label-flip", dir =>
        {
            var q8 = FinalAccuracy(Path.Combine(dir, "zeno-label-flip-q8.csv"));
            Assert.Equal(4, q8.Count);
            Assert.True(q8[TrainingReproductions.Zeno(9)] > 0.5);
            var q12 = FinalAccuracy(Path.Combine(dir, "zeno-label-flip-q12.csv"));
            Assert.True(q12[TrainingReproductions.Zeno(16)] > q12["mean"] + 0.3, $"zeno {q12[TrainingReproductions.Zeno(16)]} vs mean {q12["mean"]}");
        });
    }

    [Fact]
    public void Reproduce_ZenoSignFlip_ZenoWellAboveMeanMedianKrumAtTwelve()
    {
        Quick("zeno-sign-flip", dir =>
        {
            Assert.Equal(5, FinalAccuracy(Path.Combine(dir, "zeno-sign-flip-q8.csv")).Count);
            var q12 = FinalAccuracy(Path.Combine(dir, "zeno-sign-flip-q12.csv"));
            double zeno = q12[TrainingReproductions.Zeno(16)];
            foreach (string other in new[] { "mean", "median", "trimmed-mean:b=8", "krum:f=8" })
            {
                Assert.True(zeno > q12[other] + 0.3, $"zeno {zeno} vs {other} {q12[other]}");
            }
        });
    }

    [Fact]
    public void Reproduce_ZenoPlusPlusAsync_ZenoPlusPlusAboveAsyncSgd()
    {
        Quick("zenopp-async", dir =>
        {
            var acc = FinalAccuracy(Path.Combine(dir, "zenopp-async-q8.csv"));
            Assert.Equal(6, acc.Count);
            string reference = TrainingReproductions.ZenoPlusPlus(10, byMessages: true);
            Assert.True(acc[reference] > acc["async-sgd:variant=plain"] + 0.3,
                $"zeno++ (refresh=messages) {acc[reference]} vs async-sgd {acc["async-sgd:variant=plain"]}");
            Assert.True(acc["async-sgd:variant=plain"] < 0.2, "async SGD with 8/10 sign flippers ×10 does not learn");
        });
    }

    [Fact]
    public void Reproduce_BucketingNonIid_BothAttacksEveryDefence_BucketingLiftsRobustRulesUnderIpm()
    {
        Quick("bucketing-noniid", dir =>
        {
            foreach (string attack in new[] { "ipm", "alie" })
            {
                var acc = FinalAccuracy(Path.Combine(dir, $"bucketing-noniid-{attack}.csv"));
                Assert.Equal(TrainingReproductions.BucketingDefences, acc.Keys.ToArray());
                Assert.True(acc["mean"] > 0.3, $"{attack}: mean {acc["mean"]}");
                Assert.True(File.Exists(Path.Combine(dir, $"bucketing-noniid-{attack}.scenario.json")));
            }
            // The paper's claim under non-IID IPM: bucketing (s = 2) lifts Krum, CM and RFA (by 14–43 points at quick size).
            var ipm = FinalAccuracy(Path.Combine(dir, "bucketing-noniid-ipm.csv"));
            foreach (string rule in new[] { "krum:f=5", "median", "geometric-median:variant=byzfl,iters=8,nu=0.1" })
            {
                Assert.True(ipm["bucketing:s=2+" + rule] > ipm[rule] + 0.1, $"IPM: {rule} {ipm[rule]} vs with bucketing {ipm["bucketing:s=2+" + rule]}");
            }
        });
    }

    [Fact]
    public void Reproduce_AsyncByzantine_EverySettingAndRule_FilteringRulesSurviveSignFlip()
    {
        Quick("async-byzantine", dir =>
        {
            var settings = AsyncByzantineReproduction.Levels.SelectMany(l => AsyncByzantineReproduction.Attacks.Select(a => $"{a.Key}-{l.Key}")).ToList();
            Assert.Equal(8, settings.Count);
            foreach (string setting in settings)
            {
                var acc = FinalAccuracy(Path.Combine(dir, $"async-byzantine-{setting}.csv"));
                Assert.Equal(AsyncByzantineReproduction.Defences, acc.Keys.ToArray());
            }
            string md = File.ReadAllText(Path.Combine(dir, "async-byzantine.md"));
            Assert.Contains("## Overview: final test accuracy", md, StringComparison.Ordinal);
            Assert.Contains("| defence | " + string.Join(" | ", settings) + " |", md, StringComparison.Ordinal);
            // Sign flip ×10 from 4 of 20 workers: the rules that apply every message (or a plain buffer
            // mean) do not learn; the filtering rules (BASGD's median, AFLGuard, Zeno++) do.
            var signFlip = FinalAccuracy(Path.Combine(dir, "async-byzantine-signflip-even.csv"));
            foreach (string rule in new[] { "async-sgd:variant=plain", "fedasync:alpha=0.6,s=polynomial,a=0.5", "fedbuff:k=10" })
            {
                Assert.True(signFlip[rule] < 0.2, $"{rule}: {signFlip[rule]}");
            }
            foreach (string rule in new[] { "basgd:b=10,rule=median", "aflguard:lambda=1.5", TrainingReproductions.ZenoPlusPlus(10, byMessages: true) })
            {
                Assert.True(signFlip[rule] > 0.4, $"{rule}: {signFlip[rule]}");
            }
        });
    }

    [Fact]
    public void Reproduce_ByzFlBenchmark_TableOfEveryAggregatorAndAttackWithSpread()
    {
        Quick("byzfl-benchmark", dir =>
        {
            string md = File.ReadAllText(Path.Combine(dir, "byzfl-benchmark.md"));
            Assert.Contains("mlp:hidden=100,init=torch", md, StringComparison.Ordinal);
            foreach (string name in new[] { "Average", "Median", "TrMean(f=8)", "Krum(f=8)", "GeometricMedian(nu=0.1, T=3)", "SignFlipping", "ALittleIsEnough(tau=1.5)", "InnerProductManipulation(tau=2)" })
            {
                Assert.Contains(name, md, StringComparison.Ordinal);
            }
            Assert.Contains(" ± ", md, StringComparison.Ordinal);
            var (header, rows) = Csv(Path.Combine(dir, "byzfl-benchmark-results.csv"));
            Assert.Equal(3 * 5 * 2, rows.Count); // attacks × aggregators × quick seeds
            int acc = Array.IndexOf(header, "final_test_accuracy");
            Assert.All(rows, r => Assert.InRange(double.Parse(r[acc], CultureInfo.InvariantCulture), 0, 1));
            string scenario = File.ReadAllText(Path.Combine(dir, "byzfl-benchmark-ipm.scenario.json"));
            Assert.Contains("\"dataHolders\": \"honest\"", scenario, StringComparison.Ordinal);
            Assert.Contains("\"augmentation\": \"hflip\"", scenario, StringComparison.Ordinal);
            Assert.Contains("\"attack\": \"ipm:eps=2\"", scenario, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Reproduce_SameCommandAnyThreads_ByteIdenticalCsvAndMarkdown()
    {
        string a = TempDir(), b = TempDir();
        try
        {
            Assert.Equal(0, Run("reproduce", "fall-of-empires", "--quick", "--out", a, "--threads", "1").Code);
            Assert.Equal(0, Run("reproduce", "fall-of-empires", "--quick", "--out", b, "--threads", "2").Code);
            foreach (string file in new[] { "fall-of-empires.csv", "fall-of-empires.md" })
            {
                Assert.Equal(File.ReadAllBytes(Path.Combine(a, file)), File.ReadAllBytes(Path.Combine(b, file)));
            }
        }
        finally
        {
            foreach (string d in new[] { a, b }) if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }

    [Fact]
    public void Reproduce_OutIsAFile_Exit2BeforeComputing()
    {
        string file = Path.GetTempFileName();
        try
        {
            var (code, output, err) = Run("reproduce", "fall-of-empires", "--quick", "--out", file);
            Assert.Equal(2, code);
            Assert.Equal("simbyz: error: output folder '" + file + "' is a file, not a folder", err.Trim());
            Assert.Single(err.Trim().Split('\n'));
            Assert.DoesNotContain("wrote", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Reproduce_UnknownName_OneLineListingValidNames_Exit2_NothingWritten()
    {
        string dir = TempDir();
        var (code, _, err) = Run("reproduce", "fall-of-rome", "--quick", "--out", dir);
        Assert.Equal(2, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains("unknown reproduction 'fall-of-rome'", err, StringComparison.Ordinal);
        foreach (string name in ReproductionCatalog.Names) Assert.Contains(name, err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void Reproduce_BadModel_OneClearLine_Exit2()
    {
        var (code, _, err) = Run("reproduce", "toy-median", "--model", "resnet", "--out", TempDir());
        Assert.Equal(2, code);
        Assert.Contains("--model 'resnet': expected mlp or cnn", err, StringComparison.Ordinal);
    }

    [Fact]
    public void List_Reproductions_ShowsEveryNameAndWhatItFollows()
    {
        var (code, output, _) = Run("list", "reproductions");
        Assert.Equal(0, code);
        foreach (var r in ReproductionCatalog.Reproductions)
        {
            Assert.Contains("  " + r.Name + " — ", output, StringComparison.Ordinal);
            Assert.Contains(r.Follows, output, StringComparison.Ordinal);
        }
        Assert.Contains("Reproductions (simbyz reproduce NAME", Run("list").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Reproduce_EstimatedAboveTheMemoryLimit_RefusedBeforeAnythingStarts_NothingWritten()
    {
        string dir = TempDir();
        var (code, output, err) = Run("reproduce", "zeno-sign-flip", "--quick", "--out", dir, "--max-memory", "20MB");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("simbyz: error: reproduction zeno-sign-flip --quick needs about ", err, StringComparison.Ordinal);
        Assert.Contains("every evaluation point of every setting", err, StringComparison.Ordinal);
        Assert.Contains("more than the 20 MB of --max-memory 20MB: raise the limit with --max-memory", err, StringComparison.Ordinal);
        Assert.DoesNotContain("reproduce zeno-sign-flip", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));

        // all: every reproduction is estimated before the first one starts.
        (code, output, err) = Run("reproduce", "all", "--out", dir, "--max-memory", "20MB");
        Assert.Equal(2, code);
        Assert.Contains("try --quick, or raise the limit with --max-memory", err, StringComparison.Ordinal);
        Assert.DoesNotContain("reproduce toy-median", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }

    /// <summary>
    /// A reproduction keeps every evaluation point (it runs without the bounded sample of <see cref="SimByz.Simulator.Traces.TracedExperiment.PlottedRows"/>
    /// that a streamed run keeps for its plot), so its CSV is complete however many points there are; the memory estimate counts them.
    /// </summary>
    [Fact]
    public void TrainingReproduction_MorePointsThanAPlotKeeps_CsvHasEveryEvaluationPoint()
    {
        const int steps = SimByz.Simulator.Traces.TracedExperiment.PlottedRows + 200;
        var scenario = SimByz.Simulator.Scenarios.ScenarioLoader.Load("default",
        [
            "task.data=gaussian-mixture:classes=3,features=4,train=120,test=20,separation=3", "task.validation=20", "workers.count=3",
            "byzantine.count=0", "defences=[\"mean\"]", $"budget.steps={steps}", "evaluation.every=1", "evaluation.trainRows=20",
        ]);
        var reproduction = new TrainingReproduction("long", "every point", "a test", _ => [new TrainingSetting("a", "A", scenario)], _ => []);
        var output = reproduction.Run(new ReproductionOptions(Quick: true));
        string csv = Assert.Single(output.Files, f => f.Name == "long-a.csv").Text;
        string[] lines = csv.TrimEnd('\n').Split('\n');
        Assert.Equal(1 + steps + 1, lines.Length); // the header, then step 0 to step N
        Assert.StartsWith("mean,", lines[^1], StringComparison.Ordinal);
        Assert.Equal(steps.ToString(CultureInfo.InvariantCulture), lines[^1].Split(',')[2]);
        Assert.Equal("1", lines[^2].Split(',')[2] == (steps - 1).ToString(CultureInfo.InvariantCulture) ? "1" : lines[^2]);
        var estimate = SimByz.Simulator.Composition.MemoryEstimate.OfReproduction(reproduction.Scenarios(new ReproductionOptions(Quick: true)), SimByz.Simulator.Composition.CompositionRoot.Default);
        Assert.Equal((steps + 2L) * SimByz.Simulator.Composition.MemoryEstimate.ReproductionBytesPerRow, estimate.RecordBytes);
    }

    /// <summary>fall-of-empires trains no scenario: its own estimate (data, the workers' gradient rows of every round kept) is checked; and a
    /// reproduction with a time budget counts the evaluation points its delays let it reach.</summary>
    [Fact]
    public void Reproduce_FallOfEmpiresAndTimeBudgets_EstimatedAndRefusedAboveTheLimit()
    {
        string dir = TempDir();
        var (code, output, err) = Run("reproduce", "fall-of-empires", "--out", dir, "--max-memory", "20MB");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("simbyz: error: reproduction fall-of-empires needs about ", err, StringComparison.Ordinal);
        Assert.Contains("model parameters in all their copies", err, StringComparison.Ordinal);
        Assert.Contains("more than the 20 MB of --max-memory 20MB: try --quick", err, StringComparison.Ordinal);
        Assert.DoesNotContain("fall-of-empires:", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));

        (code, _, err) = Run("reproduce", "zenopp-async", "--quick", "--out", dir, "--max-memory", "20MB");
        Assert.Equal(2, code);
        Assert.Contains("records kept until the end of the run (every evaluation point of every setting", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }

    /// <summary>The steps a time budget allows are estimated from the delay models, and bound what the run makes.</summary>
    [Theory]
    [InlineData("constant:t=10ms")]
    [InlineData("lognormal:mu=-4.6,sigma=0.5")]
    [InlineData("uniform:min=1ms,max=30ms")]
    public void StepsWithin_TimeBudget_BoundsTheRunsSteps(string compute)
    {
        var scenario = SimByz.Simulator.Scenarios.ScenarioLoader.Load("default",
        [
            "task.data=gaussian-mixture:classes=3,features=4,train=120,test=20,separation=3", "task.validation=20", "workers.count=4",
            "byzantine.count=0", "defences=[\"mean\"]", "budget={\"steps\":0,\"time\":\"2s\"}", "evaluation.every=1", "evaluation.trainRows=20",
            $"workers.compute=\"{compute}\"",
        ]);
        var root = SimByz.Simulator.Composition.CompositionRoot.Default;
        long estimate = SimByz.Simulator.Composition.MemoryEstimate.StepsWithin(scenario, root);
        var result = new SimByz.Simulator.Engine.TrainingRun(SimByz.Simulator.Scenarios.ScenarioBuilder.Build(scenario), "mean").Run();
        Assert.Equal("time", result.StopReason);
        Assert.InRange(result.Steps, 1, estimate);
        // Within a small factor: the estimate counts every worker's messages, doubled.
        Assert.True(estimate <= 16 * result.Steps, $"estimate {estimate} for {result.Steps} steps");
        var points = SimByz.Simulator.Composition.MemoryEstimate.OfReproduction([scenario], root).RecordBytes / SimByz.Simulator.Composition.MemoryEstimate.ReproductionBytesPerRow;
        Assert.True(points >= result.Rows.Count, $"{points} points estimated, {result.Rows.Count} made");

        // With zero delays the time budget cannot end the run: the estimate saturates (and the run is refused by any limit).
        var zero = scenario with { Workers = scenario.Workers with { Compute = "constant:t=0ms", Network = "constant:t=0ms" } };
        Assert.Equal(long.MaxValue, SimByz.Simulator.Composition.MemoryEstimate.StepsWithin(zero, root));
    }
}
