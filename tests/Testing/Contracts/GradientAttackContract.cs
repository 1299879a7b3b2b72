using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;

namespace SimByz.Testing.Contracts;

/// <summary>
/// The contract every gradient attack keeps (any test framework: a violation throws
/// <see cref="ContractViolationException"/>): it writes exactly q × d values, all of them when it is
/// not an omission; the same context and stream seed give the same bits from fresh instances;
/// it reads the honest rows without changing them; its <see cref="IGradientAttack.CheckTolerance"/>
/// accepts the (n, q) it is checked at.
/// </summary>
public static class GradientAttackContract
{
    /// <summary>Runs the checks with <paramref name="workers"/> workers of which <paramref name="byzantine"/> are Byzantine, d = <paramref name="dimension"/>.</summary>
    /// <exception cref="ContractViolationException">The first check that fails.</exception>
    public static void Verify(Func<IGradientAttack> create, int workers = 10, int byzantine = 3, int dimension = 6, ulong seed = 777)
    {
        ArgumentNullException.ThrowIfNull(create);
        var attack = create();
        string spec = attack.Spec;
        try
        {
            attack.CheckTolerance(workers, byzantine);
        }
        catch (SimByzException e)
        {
            throw new ContractViolationException($"{spec}: CheckTolerance({workers}, {byzantine}) rejects the checked setting: {e.Message}", e);
        }
        if (attack.IsOmission) return;
        int h = workers - byzantine, d = dimension;
        var rng = new RandomStream(seed);
        var honest = new float[h * d];
        for (int i = 0; i < honest.Length; i++) honest[i] = (float)rng.NextNormal(1, 0.5);
        var own = new float[byzantine * d];
        for (int i = 0; i < own.Length; i++) own[i] = (float)rng.NextNormal(1, 0.5);
        var honestCopy = (float[])honest.Clone();

        float[] Craft(IGradientAttack a)
        {
            var output = new float[byzantine * d + 1];
            output[^1] = 12345f;
            a.Craft(new AttackContext
            {
                Model = new float[d],
                Dimension = d,
                Honest = new GradientBatch(honest, h, d),
                OwnGradients = new GradientBatch(own, byzantine, d),
                ByzantineCount = byzantine,
                TotalByzantine = byzantine,
                WorkerCount = workers,
                LearningRate = 0.1,
                Rng = RandomStreams.Derive(seed, StreamPurpose.Attack, 0),
            }, output.AsSpan(0, byzantine * d));
            if (output[^1] != 12345f) throw new ContractViolationException($"{spec}: wrote past the q × d rows");
            return output;
        }

        var first = Craft(attack);
        if (!honest.AsSpan().SequenceEqual(honestCopy)) throw new ContractViolationException($"{spec}: changed the honest rows");
        var second = Craft(create());
        for (int j = 0; j < first.Length; j++)
        {
            if (BitConverter.SingleToInt32Bits(first[j]) != BitConverter.SingleToInt32Bits(second[j]))
            {
                throw new ContractViolationException($"{spec}: not deterministic: a second fresh instance writes {second[j]} at {j}, the first {first[j]}");
            }
        }
    }
}
