using System.Globalization;
using Newtonsoft.Json.Linq;

namespace SimByz.Simulator.Reproductions;

/// <summary>
/// The training reproductions on Fashion-MNIST: the Zeno experiments (no attack, label
/// flip, sign flip), Zeno++ asynchronously, and Karimireddy et al.'s bucketing under non-IID data.
/// Each is a list of scenarios built here; the settings and every choice are written into its page.
/// </summary>
/// <remarks>
/// Sizes. Full: the 60 000 Fashion-MNIST training images, the first 5 000 test images, evaluation
/// every 25 steps on them and on 2 000 training rows. Quick: the first 5 000 training and 1 000 test
/// images, evaluation every 10 steps on 500 training rows, and far fewer steps.
/// </remarks>
internal static class TrainingReproductions
{
    /// <summary>Zeno code demo (xcgoner/icml2019_zeno): lr 0.05.</summary>
    internal const double ZenoLearningRate = 0.05;

    /// <summary>Worker minibatch (the reference demo uses 100; 32 keeps the CPU cost down).</summary>
    internal const int Batch = 32;

    /// <summary>
    /// ρ of <c>zeno:penalty=mean</c> equivalent to the reference code's ρ = γ_ref/rho_ratio with
    /// γ_ref = lr/batch applied to batch-summed gradients: for mean gradients u the reference penalty
    /// (lr/(B·rho_ratio))·mean((B·u)²) = (lr·B/rho_ratio)·mean(u²), so ρ = 0.05·32/200 = 0.008.
    /// </summary>
    internal const string ZenoRho = "0.008";

    internal static string Zeno(int b) => $"zeno:b={b},rho={ZenoRho},penalty=mean";

    internal static int Steps(ReproductionOptions o, int full, int quick) => o.Quick ? quick : full;

    internal static string Data(ReproductionOptions o) => o.Quick ? "fashion-mnist:limit=5000,test-limit=1000" : "fashion-mnist:test-limit=5000";

    private static JObject Evaluation(ReproductionOptions o) => new(
        new JProperty("every", o.Quick ? 10 : 25), new JProperty("trainRows", o.Quick ? 500 : 2000));

    internal static string SizeChoice(ReproductionOptions o) => o.Quick
        ? "Quick: Fashion-MNIST first 5 000 training / 1 000 test images; evaluation every 10 steps (test set and 500 training rows)."
        : "Full: all 60 000 Fashion-MNIST training images, the first 5 000 test images; evaluation every 25 steps (test set and 2 000 training rows). Sizes chosen so that all seven reproductions together take about 15 minutes on 2 CPU cores.";

    internal static string ModelChoice(ReproductionOptions o) =>
        $"Model `{o.Model}` instead of the papers' CIFAR-10 CNN: Fashion-MNIST (the data installable offline) with the managed MLP keeps the CPU cost of every run in seconds; `--model cnn` swaps in the torch CNN.";

    /// <summary>The base scenario of the synchronous Zeno experiments: 20 workers, IID, lr 0.05, n_r = 4.</summary>
    private static JObject ZenoBase(ReproductionOptions o, string name, string description, int q, string? attack, string? dataAttack, string[] defences, int fullSteps, int quickSteps)
        => new(
            new JProperty("name", name),
            new JProperty("description", description),
            new JProperty("seed", o.Seed),
            new JProperty("task", new JObject(
                new JProperty("data", Data(o)), new JProperty("model", o.Model), new JProperty("partition", "iid"), new JProperty("validation", 0.05))),
            new JProperty("workers", new JObject(
                new JProperty("count", 20), new JProperty("batchSize", Batch),
                new JProperty("compute", "lognormal:mu=-4.6,sigma=0.25"), new JProperty("network", "constant:t=1ms"))),
            new JProperty("byzantine", new JObject(
                new JProperty("count", q), new JProperty("select", "first"), new JProperty("attack", attack), new JProperty("dataAttack", dataAttack))),
            new JProperty("protocol", new JObject(new JProperty("kind", "sync"), new JProperty("wait", "all"))),
            new JProperty("optimizer", new JObject(new JProperty("learningRate", ZenoLearningRate))),
            new JProperty("defences", new JArray(defences)),
            new JProperty("validationBatch", 4),
            new JProperty("budget", new JObject(new JProperty("steps", Steps(o, fullSteps, quickSteps)))),
            new JProperty("evaluation", Evaluation(o)));

    private static IReadOnlyList<string> ZenoChoices(ReproductionOptions o, params string[] more) =>
    [
        ModelChoice(o),
        SizeChoice(o),
        $"20 workers, IID shards, batch {Batch} (the reference demo uses 100), synchronous rounds that wait for all 20; lr {ZenoLearningRate.ToString(CultureInfo.InvariantCulture)} constant (Zeno code demo).",
        $"Zeno: n_r = 4 validation rows per round (`validationBatch` 4) drawn from a 5% validation split kept apart from the workers' shards; penalty ρ·mean(u²) as in the reference code (`penalty=mean`) with ρ = lr·B/rho_ratio = 0.05·32/200 = {ZenoRho}: the reference's ρ = γ/rho_ratio with γ = lr/B on batch-summed gradients, rewritten for mean gradients.",
        "Krum: Blanchard's score (n − f − 2 nearest neighbours), `krum:f=…` (variant blanchard is the default).",
        $"Steps: {Steps(o, 500, 60)} synchronous rounds (the reference trains for epochs of CIFAR-10; iterations are what the figures show).",
        .. more,
    ];

    public static TrainingReproduction ZenoNoAttack() => new(
        "zeno-no-attack",
        "20 workers, none Byzantine: Zeno (b=4) and Krum (f=4) against Mean: the price of robustness when nobody attacks.",
        "Xie, Koyejo, Gupta, Zeno (ICML 2019) and the talk: no attack, b = 4 for Krum and Zeno",
        o =>
        [
            new("q0", "no attack, 20 workers",
                TrainingReproduction.Scenario(ZenoBase(o, "zeno-no-attack", "20 honest workers; Mean, Krum f=4, Zeno b=4", 0, null, null,
                    ["mean", "krum:f=4", Zeno(4)], 500, 60), "zeno-no-attack")),
        ],
        o => ZenoChoices(o));

    public static TrainingReproduction ZenoLabelFlip() => new(
        "zeno-label-flip",
        "20 workers, 8 or 12 of them training on flipped labels (y → 9 − y): Mean, Median, Krum (f=8) and Zeno (b=9 for 8, b=16 for 12).",
        "Xie, Koyejo, Gupta, Zeno (ICML 2019), label-flipping experiments: 8/20 with Krum b=8, Zeno b=9; 12/20 with Krum b=8, Zeno b=16",
        o =>
        [
            new("q8", "label flip, 8 of 20 Byzantine",
                TrainingReproduction.Scenario(ZenoBase(o, "zeno-label-flip-q8", "8/20 label-flipping workers", 8, null, "label-flip",
                    ["mean", "median", "krum:f=8", Zeno(9)], 500, 60), "zeno-label-flip q8")),
            new("q12", "label flip, 12 of 20 Byzantine",
                TrainingReproduction.Scenario(ZenoBase(o, "zeno-label-flip-q12", "12/20 label-flipping workers", 12, null, "label-flip",
                    ["mean", "median", "krum:f=8", Zeno(16)], 500, 60), "zeno-label-flip q12")),
        ],
        o => ZenoChoices(o, "Byzantine workers are the first q; they compute honest-looking gradients of their own shard with labels y → 9 − y (`label-flip`, the reference's flip). Median added as a baseline."));

    public static TrainingReproduction ZenoSignFlip() => new(
        "zeno-sign-flip",
        "20 workers, 8 or 12 of them sending the negated gradient: Mean, Median, Trimmed mean (b=8), Krum (f=8) and Zeno (b=16).",
        "Xie, Koyejo, Gupta, Zeno (ICML 2019) and the talk: sign flip 8/20 and 12/20, Krum b=8, Zeno b=16",
        o =>
        [
            new("q8", "sign flip, 8 of 20 Byzantine",
                TrainingReproduction.Scenario(ZenoBase(o, "zeno-sign-flip-q8", "8/20 sign-flipping workers", 8, "sign-flip:s=1,of=own", null,
                    ["mean", "median", "trimmed-mean:b=8", "krum:f=8", Zeno(16)], 500, 60), "zeno-sign-flip q8")),
            new("q12", "sign flip, 12 of 20 Byzantine",
                TrainingReproduction.Scenario(ZenoBase(o, "zeno-sign-flip-q12", "12/20 sign-flipping workers", 12, "sign-flip:s=1,of=own", null,
                    ["mean", "median", "trimmed-mean:b=8", "krum:f=8", Zeno(16)], 500, 60), "zeno-sign-flip q12")),
        ],
        o => ZenoChoices(o,
            "Attack `sign-flip:s=1,of=own`: each Byzantine worker sends −1× its own gradient (s = 1 as in the Zeno paper; the reference code's `bitflip` sends the first Byzantine worker's −g from all, `simbyz list attacks`).",
            "Trimmed mean with b = 8 in both settings (the largest b with n > 2b is 9, so no b covers q = 12; b = 8 matches Krum's f)."));

    public static TrainingReproduction ZenoPlusPlusAsync() => new(
        "zenopp-async",
        "Asynchronous SGD with 10 workers, 8 of them Byzantine sending −10× their gradient: Zeno++ keeps learning; async SGD and staleness-unaware robust rules run buffered (every 10 messages) do not.",
        "Xie, Koyejo, Gupta, Zeno++ (ICML 2020) and the reference code xcgoner/iclr2020_zeno_async: n = 10, 8 Byzantine, sign flip s = 10, ρ 0.001, ε 0.1, k 10, weight decay 1e-4, max delay 20",
        o =>
        [
            new("q8", "asynchronous, 8 of 10 Byzantine (sign flip ×10)", TrainingReproduction.Scenario(new JObject(
                new JProperty("name", "zenopp-async"),
                new JProperty("description", "10 asynchronous workers, 8 Byzantine sending -10x their gradient"),
                new JProperty("seed", o.Seed),
                new JProperty("task", new JObject(
                    new JProperty("data", Data(o)), new JProperty("model", o.Model), new JProperty("partition", "iid"), new JProperty("validation", 0.05))),
                new JProperty("workers", new JObject(
                    new JProperty("count", 10), new JProperty("batchSize", Batch),
                    new JProperty("compute", "lognormal:mu=-4.6,sigma=0.5"), new JProperty("network", "exponential:mean=2ms"))),
                new JProperty("byzantine", new JObject(
                    new JProperty("count", 8), new JProperty("select", "first"), new JProperty("attack", "sign-flip:s=10,of=own"))),
                new JProperty("protocol", new JObject(
                    new JProperty("kind", "async"), new JProperty("maxStaleness", 20), new JProperty("asyncBuffer", 10))),
                new JProperty("optimizer", new JObject(new JProperty("learningRate", 0.1), new JProperty("weightDecay", 1e-4))),
                new JProperty("defences", new JArray(
                    "async-sgd:variant=plain", ZenoPlusPlus(10, byMessages: true), ZenoPlusPlus(10, byMessages: false), "median", "krum:f=3", Zeno(8))),
                new JProperty("validationBatch", Batch),
                new JProperty("budget", new JObject(new JProperty("steps", 0), new JProperty("time", o.Quick ? "0.6s" : "4s"))),
                new JProperty("evaluation", new JObject(new JProperty("every", o.Quick ? 10 : 20), new JProperty("trainRows", o.Quick ? 500 : 1000)))),
                "zenopp-async")),
        ],
        o =>
        [
            ModelChoice(o),
            SizeChoice(o),
            "10 workers, the first 8 Byzantine; every worker loops read → compute (lognormal, median 10 ms, σ 0.5) → send (exponential network delay, mean 2 ms), so about 80% of the messages are Byzantine, like the reference code's per-message probability nbyz/n.",
            "Bounded staleness: messages staler than 20 server versions are dropped (`protocol.maxStaleness` 20, the reference's max delay 20). The reference draws each message's model version uniformly from the last 21; here staleness comes from the simulated latencies.",
            $"lr 0.1 constant, server weight decay 1e-4 (reference; its lr decay at epochs 100 and 150 is beyond this budget); batch {Batch} (reference 128); validation split 5% of the training data; validation gradient on {Batch} rows.",
            $"Zeno++: `{ZenoPlusPlus(10, byMessages: true)}` (the reference code's test: the message is rescaled to the validation gradient's norm; accepted iff γ⟨u', g_r⟩ − ρ‖u‖² + γε ≥ 0; k = 10 as in the reference, counting every scored message as the reference's iteration counter does).",
            $"Zeno++ twice, with the two named refresh variants: `refresh=messages` (the reference code) and `refresh=versions` (`{ZenoPlusPlus(10, byMessages: false)}`, the paper's wording \"every k server updates\", SimByz's default). The server version advances only on accepted messages, so with `refresh=versions` once every message fails the test against a stale g_r nothing is accepted and g_r is never refreshed again: the run stalls.",
            $"Staleness-unaware rules (`median`, `krum:f=3` — the largest f with 10 > 2f + 2 — and Zeno `{Zeno(8)}`) aggregate every 10 arrived messages (`protocol.asyncBuffer` 10); `async-sgd:variant=plain` applies every message.",
            $"Every defence gets the same simulated time ({(o.Quick ? "0.6" : "4")} s), so the figure's x axis is simulated time: a buffered rule makes one server step per 10 messages, async SGD one per message, Zeno++ one per accepted message.",
        ]);

    /// <summary>Zeno++ with the reference settings and refresh interval <paramref name="k"/>, counting
    /// scored messages (<c>refresh=messages</c>, the reference code) or server versions (the default).</summary>
    internal static string ZenoPlusPlus(int k, bool byMessages)
        => $"zenopp:rho=0.001,eps=0.1,k={k},form=reference{(byMessages ? ",refresh=messages" : "")}";

    /// <summary>Karimireddy et al.'s defences at n = 25, f = 5, each without and with bucketing s = 2.</summary>
    internal static readonly string[] BucketingDefences =
    [
        "mean",
        "krum:f=5", "bucketing:s=2+krum:f=5",
        "median", "bucketing:s=2+median",
        "geometric-median:variant=byzfl,iters=8,nu=0.1", "bucketing:s=2+geometric-median:variant=byzfl,iters=8,nu=0.1",
        "cc:tau=100,iters=3", "bucketing:s=2+cc:tau=100,iters=3",
    ];

    private static JObject BucketingScenario(ReproductionOptions o, string name, string attack) => new(
        new JProperty("name", name),
        new JProperty("description", $"25 workers, 5 Byzantine ({attack}), non-IID shards sorted by label, worker momentum 0.9"),
        new JProperty("seed", o.Seed),
        new JProperty("task", new JObject(
            new JProperty("data", Data(o)), new JProperty("model", o.Model), new JProperty("partition", "shards:k=1"), new JProperty("validation", 0.05))),
        new JProperty("workers", new JObject(
            new JProperty("count", 25), new JProperty("batchSize", Batch),
            new JProperty("compute", "lognormal:mu=-4.6,sigma=0.25"), new JProperty("network", "constant:t=1ms"))),
        new JProperty("byzantine", new JObject(new JProperty("count", 5), new JProperty("select", "first"), new JProperty("attack", attack))),
        new JProperty("protocol", new JObject(new JProperty("kind", "sync"), new JProperty("wait", "all"))),
        new JProperty("optimizer", new JObject(new JProperty("learningRate", 0.01), new JProperty("workerMomentum", 0.9))),
        new JProperty("defences", new JArray(BucketingDefences)),
        new JProperty("budget", new JObject(new JProperty("steps", Steps(o, 600, 30)))),
        new JProperty("evaluation", Evaluation(o)));

    public static TrainingReproduction BucketingNonIid() => new(
        "bucketing-noniid",
        "Non-IID data, 25 workers, 5 Byzantine (IPM ε=0.1, ALIE), worker momentum 0.9: Krum, coordinate-wise median, RFA (geometric median) and centered clipping, each without and with bucketing (s=2).",
        "Karimireddy, He, Jaggi, \"Byzantine-robust learning on heterogeneous datasets via bucketing\" (ICLR 2022), code epfml/byzantine-robust-noniid-optimizer (exp3: n=25, f=5, non-IID, lr 0.01, batch 32, 600 iterations, momentum 0.9)",
        o =>
        [
            new("ipm", "IPM (ε = 0.1), 5 of 25 Byzantine, non-IID",
                TrainingReproduction.Scenario(BucketingScenario(o, "bucketing-noniid-ipm", "ipm:eps=0.1"), "bucketing-noniid ipm")),
            new("alie", "ALIE, 5 of 25 Byzantine, non-IID",
                TrainingReproduction.Scenario(BucketingScenario(o, "bucketing-noniid-alie", "alie:variant=karimireddy"), "bucketing-noniid alie")),
        ],
        o =>
        [
            ModelChoice(o) + " The reference trains a small CNN on MNIST; its published table is for MNIST, so numbers compare only in direction (Fashion-MNIST is harder).",
            SizeChoice(o),
            $"As in the reference code (utils.py, exp3.py): 25 workers, the first 5 Byzantine, batch 32, lr 0.01 constant, honest workers send their momentum m ← 0.9·m + g (`optimizer.workerMomentum` 0.9), {Steps(o, 600, 30)} iterations (reference: 20 epochs × 30 batches = 600).",
            "Non-IID: `shards:k=1` sorts the training rows by label and gives each worker one contiguous shard (≈ 1 label per worker), like the reference's sorted split. Difference: the reference splits the data over the 20 honest workers only, here over all 25, so the 5 Byzantine workers' shards (a fifth of the data, whole label blocks) are seen by no honest worker; every defence, Mean included, is bounded by that.",
            "Attacks: `ipm:eps=0.1` (reference ε = 0.1) and `alie:variant=karimireddy` (μ − zσ with z from n and f, as the reference's ALittleIsEnoughAttack(n, m=f)).",
            "Defences as in the reference: Krum `krum:f=5` (with bucketing the reference keeps f = 5 over the ⌈25/2⌉ = 13 buckets: `bucketing:s=2+krum:f=5`); CM = `median`; RFA = `geometric-median:variant=byzfl,iters=8,nu=0.1` (T = 8); CClip = `cc:tau=100,iters=3` (τ = 10/(1 − momentum) = 100, 3 iterations); bucketing `bucketing:s=2` (seeded shuffle, buckets of 2). Mean under attack added for reference.",
            "The published MNIST non-IID numbers (REFERENCE.md): IPM: RFA 16.3 → 90.9 with bucketing, CM 49.8 → 65.4, Krum 36.6 → 55.6; ALIE: RFA 63.1 → 91.7, CM 75.3 → 89.0.",
        ]);
}
