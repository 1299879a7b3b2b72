using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;

namespace SimByz.Simulator.Engine;

/// <summary>
/// Plays the gradient attack: overwrites the payloads of the Byzantine messages among those just
/// computed with the rows the omniscient attack crafts from the model and the honest messages it sees.
/// </summary>
/// <remarks>Without a gradient attack Byzantine workers send their own (possibly poisoned-data)
/// gradient. The attack probes the defence through its own instance of the rule, so its trial
/// aggregations never advance the server's stateful rules. All of the attack's randomness comes from
/// one stream. Not thread-safe (one run's thread).</remarks>
internal sealed class ByzantineCrafter
{
    private readonly IGradientAttack? _attack;
    private readonly IAggregator? _ruleAsAttackerSeesIt;
    private readonly RandomStream _rng;
    private readonly ParameterServer _server;
    private readonly int _totalByzantine;
    private readonly int _workerCount;

    /// <param name="attack">The gradient attack, or null.</param>
    /// <param name="ruleAsAttackerSeesIt">The attacker's own instance of the synchronous rule (null for async rules).</param>
    /// <param name="rng">The attack's stream.</param>
    /// <param name="server">Whose model the attack sees.</param>
    /// <param name="totalByzantine">q, the number of Byzantine workers.</param>
    /// <param name="workerCount">n.</param>
    public ByzantineCrafter(IGradientAttack? attack, IAggregator? ruleAsAttackerSeesIt, RandomStream rng, ParameterServer server,
        int totalByzantine, int workerCount)
    {
        _attack = attack;
        _ruleAsAttackerSeesIt = ruleAsAttackerSeesIt;
        _rng = rng;
        _server = server;
        _totalByzantine = totalByzantine;
        _workerCount = workerCount;
    }

    /// <summary>Fills the Byzantine messages among <paramref name="sent"/> with the attack's rows.</summary>
    /// <param name="sent">Messages just computed; the non-Byzantine ones are left alone.</param>
    /// <param name="honestView">The honest vectors the attack sees (enumerated only when there is a
    /// Byzantine message to craft); when empty it sees the Byzantine workers' own vectors instead.</param>
    /// <param name="gamma">The learning rate the workers used.</param>
    /// <param name="round">The round (sync) or server version (async) the attack is told.</param>
    /// <param name="asynchronous">Whether the honest view is the workers' latest messages rather than the round's.</param>
    public void Craft(List<SentMessage> sent, IEnumerable<float[]> honestView, double gamma, long round, bool asynchronous)
    {
        if (_attack is null) return; // Byzantine workers send their own (possibly poisoned-data) gradient
        var byz = sent.Where(p => p.Info.Byzantine).ToList();
        if (byz.Count == 0) return;
        var rows = honestView.ToList();
        var honest = rows.Count > 0 ? GradientBatch.FromRows(rows) : GradientBatch.FromRows(byz.Select(p => p.Payload!).ToList());
        var own = GradientBatch.FromRows(byz.Select(p => p.Payload!).ToList());
        int d = _server.Dimension;
        var output = new float[byz.Count * d];
        var ctx = new AttackContext
        {
            Round = round,
            Model = _server.Parameters.ToArray(),
            Dimension = d,
            Honest = honest,
            OwnGradients = own,
            ByzantineCount = byz.Count,
            TotalByzantine = _totalByzantine,
            WorkerCount = _workerCount,
            Aggregator = _ruleAsAttackerSeesIt,
            AggregationContext = new AggregationContext { Model = _server.Parameters.ToArray(), LearningRate = gamma, Round = round },
            LearningRate = gamma,
            Asynchronous = asynchronous,
            Rng = _rng,
        };
        _attack.Craft(ctx, output);
        for (int k = 0; k < byz.Count; k++)
        {
            output.AsSpan(k * d, d).CopyTo(byz[k].Payload);
        }
    }
}
