using Newtonsoft.Json.Linq;

namespace SimByz.Simulator.Reproductions;

/// <summary>
/// <c>async-byzantine</c>: the asynchronous rules of the literature side by side on Fashion-MNIST —
/// async SGD, FedAsync, FedBuff, Kardam, BASGD, AFLGuard and Zeno++ — under four attacks (sign flip,
/// IPM, ALIE, stale replay) at two staleness levels (homogeneous workers, and stragglers).
/// </summary>
/// <remarks>
/// One setting per (attack, staleness level); every setting runs the same seven defences under
/// identical seeds and timing, so within a setting only the rule differs. The page ends with an
/// overview (final test accuracy, defence × setting) and the mean staleness each setting produced.
/// </remarks>
internal static class AsyncByzantineReproduction
{
    /// <summary>Workers and Byzantine workers of every setting.</summary>
    internal const int Workers = 20, Byzantine = 4;

    /// <summary>The rules compared, each with the parameters the page explains.</summary>
    internal static readonly string[] Defences =
    [
        "async-sgd:variant=plain",
        "fedasync:alpha=0.6,s=polynomial,a=0.5",
        "fedbuff:k=10",
        "kardam:f=4",
        "basgd:b=10,rule=median",
        "aflguard:lambda=1.5",
        TrainingReproductions.ZenoPlusPlus(10, byMessages: true),
    ];

    /// <summary>The attacks: key, title, gradient attack, timing behaviour.</summary>
    internal static readonly (string Key, string Title, string Attack, string? Behaviour)[] Attacks =
    [
        ("signflip", "sign flip ×10", "sign-flip:s=10,of=own", null),
        ("ipm", "IPM (ε = 1)", "ipm:eps=1", null),
        ("alie", "ALIE", "alie", null),
        ("stale", "stale replay (honest gradients on a model 50 versions old)", "honest", "stale:versions=50"),
    ];

    /// <summary>The staleness levels: key, title, compute-time model.</summary>
    internal static readonly (string Key, string Title, string Compute)[] Levels =
    [
        ("even", "homogeneous workers", "lognormal:mu=-4.6,sigma=0.25"),
        ("stragglers", "stragglers (20 % of computations 10× slower)", "straggler:p=0.2,factor=10+lognormal:mu=-4.6,sigma=0.25"),
    ];

    public static TrainingReproduction Create() => new(
        "async-byzantine",
        "Asynchronous Byzantine-robust rules (async SGD, FedAsync, FedBuff, Kardam, BASGD, AFLGuard, Zeno++), 20 workers of which 4 Byzantine, under sign flip, IPM, ALIE and stale replay, with homogeneous workers and with stragglers.",
        "FedAsync (Xie, Koyejo, Gupta 2019), FedBuff (Nguyen et al., AISTATS 2022), Kardam (Damaskinos et al., ICML 2018), BASGD (Yang & Li, AAAI 2021), AFLGuard (Fang et al., ACSAC 2022), Zeno++ (Xie, Koyejo, Gupta, ICML 2020)",
        o => [.. Levels.SelectMany(level => Attacks.Select(attack => new TrainingSetting(
            $"{attack.Key}-{level.Key}", $"{attack.Title}, {level.Title}",
            TrainingReproduction.Scenario(Scenario(o, attack.Key, attack.Attack, attack.Behaviour, level.Key, level.Compute), $"async-byzantine {attack.Key}-{level.Key}"))))],
        o =>
        [
            TrainingReproductions.ModelChoice(o),
            TrainingReproductions.SizeChoice(o),
            $"{Workers} workers, the first {Byzantine} Byzantine (20 %), IID shards, batch {TrainingReproductions.Batch}, lr 0.05 constant; every worker loops read → compute → send (network exponential, mean 2 ms); no staleness bound (`protocol.maxStaleness` −1), staleness counted in server versions.",
            "Staleness levels: `even` — compute lognormal(μ = −4.6, σ = 0.25), median 10 ms; `stragglers` — the same with probability 0.2 of a 10× slower computation (`straggler:p=0.2,factor=10+…`). The overview gives the mean staleness of the messages each rule received.",
            "Attacks: `sign-flip:s=10,of=own` (Zeno++'s setting); `ipm:eps=1` (each Byzantine message is −1× the honest mean: a message-level reversal, since async rules apply messages one by one ε = 0.1 would barely register); `alie` (Baruch et al., z from n and f); stale replay: honest gradients computed on a model 50 server versions old (`byzantine.behaviour` `stale:versions=50`, attack `honest`).",
            "Rules: `async-sgd:variant=plain` applies every message; FedAsync α = 0.6 with polynomial staleness weight (τ + 1)^−0.5 (the paper's FedAsync+Poly, a = 0.5); FedBuff K = 10, η = 1, no staleness scaling; Kardam with f = 4 and exponential dampening (β = 1); BASGD with B = 10 buffers and the coordinate-wise median across them (the paper's condition B > 2q holds: 10 > 8); AFLGuard λ = 1.5 with the server's gradient on a batch of its trusted (validation) data; Zeno++ with the reference code's settings (ρ 0.001, ε 0.1, k 10, refresh counted in messages).",
            $"AFLGuard and Zeno++ use a 5 % validation split kept apart from the workers' shards ({TrainingReproductions.Batch} rows per server gradient).",
            "Every defence gets the same simulated time; figures are drawn against simulated time.",
        ],
        overview: true);

    private static JObject Scenario(ReproductionOptions o, string attackKey, string attack, string? behaviour, string levelKey, string compute) => new(
        new JProperty("name", $"async-byzantine-{attackKey}-{levelKey}"),
        new JProperty("description", $"{Workers} asynchronous workers, {Byzantine} Byzantine ({attack}{(behaviour is null ? "" : ", " + behaviour)}), compute {compute}"),
        new JProperty("seed", o.Seed),
        new JProperty("task", new JObject(
            new JProperty("data", TrainingReproductions.Data(o)), new JProperty("model", o.Model), new JProperty("partition", "iid"), new JProperty("validation", 0.05))),
        new JProperty("workers", new JObject(
            new JProperty("count", Workers), new JProperty("batchSize", TrainingReproductions.Batch),
            new JProperty("compute", compute), new JProperty("network", "exponential:mean=2ms"))),
        new JProperty("byzantine", new JObject(
            new JProperty("count", Byzantine), new JProperty("select", "first"), new JProperty("attack", attack), new JProperty("behaviour", behaviour))),
        new JProperty("protocol", new JObject(new JProperty("kind", "async"))),
        new JProperty("optimizer", new JObject(new JProperty("learningRate", 0.05))),
        new JProperty("defences", new JArray(Defences)),
        new JProperty("validationBatch", TrainingReproductions.Batch),
        new JProperty("budget", new JObject(new JProperty("steps", 0), new JProperty("time", o.Quick ? "0.3s" : "3s"))),
        new JProperty("evaluation", new JObject(new JProperty("every", o.Quick ? 10 : 50), new JProperty("trainRows", o.Quick ? 500 : 1000))));
}
