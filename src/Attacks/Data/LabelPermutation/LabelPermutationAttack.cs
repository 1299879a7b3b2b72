using System.Globalization;
using SimByz.Scheduler;
using SimByz.Specs;

namespace SimByz.Attacks.Data;

/// <summary>
/// Label permutation: the Byzantine worker trains on π(y) for a fixed permutation π of the classes.
/// </summary>
/// <remarks>
/// <para>Grammar (spec values cannot hold ',', '+' or ':', so the permutation is ';'-separated):
/// <c>label-perm:perm=3;2;1;0</c> maps class y to the y-th listed class (it must list every
/// class 0..C−1 exactly once, with C the task's class count); <c>label-perm:perm=random,seed=7</c>
/// (default) draws a uniformly random <em>derangement</em> (no class keeps its label) of the task's
/// C classes, by Fisher–Yates shuffles rejected until no fixed point remains, from the stream
/// derived from (run seed, <c>attack.label-perm</c>, seed). So the same run seed and seed always
/// give the same permutation, and C must be at least 2.</para>
/// <para>Generalizes label flipping (y → C−1−y is the permutation C−1;…;1;0). Thread-safe: the
/// random permutation of each class count is computed once, under a lock.</para>
/// </remarks>
internal sealed class LabelPermutationAttack : IDataAttack
{
    /// <summary>Stream purpose of the random permutation (stable: part of the trace format).</summary>
    public const string StreamPurposeName = "attack.label-perm";

    public static readonly ComponentInfo Info = new(
        "label-perm", "train on π(y) for a given permutation, or a seeded random derangement of the classes",
        "generalization of label flipping (Zeno, Xie et al., ICML 2019)", "any",
        [
            new("perm", "random | i0;i1;…;iC−1", "random", "the image of each class in order, ';'-separated, or a random derangement"),
            new("seed", "integer ≥ 0", "0", "with perm=random: which permutation (mixed with the run seed)"),
        ]);

    private readonly int[]? _fixed;
    private readonly ulong _streamSeed;
    private readonly Lock _gate = new();
    private int[] _random = [];

    private LabelPermutationAttack(int[]? fixedPermutation, ulong runSeed, int seed, string spec)
    {
        _fixed = fixedPermutation;
        _streamSeed = RandomStreams.DeriveSeed(runSeed, StreamPurposeName, seed);
        Spec = spec;
    }

    public static IDataAttack Create(SpecParameters p, AttackBuildContext context)
    {
        string perm = p.GetString("perm", "random");
        if (perm == "random")
        {
            int seed = p.GetInt("seed", 0, min: 0);
            return new LabelPermutationAttack(null, context.Seed, seed, new SpecText("label-perm").Add("perm", "random").Add("seed", seed).ToString());
        }
        int[] map = ParsePermutation(perm);
        return new LabelPermutationAttack(map, context.Seed, 0, new SpecText("label-perm").Add("perm", perm).ToString());
    }

    public string Spec { get; }

    public int PoisonLabel(int label, int classCount)
    {
        LabelChecks.Check(label, classCount);
        if (_fixed is not null)
        {
            if (_fixed.Length != classCount)
            {
                throw new SimByzException($"data attack '{Spec}': the permutation lists {_fixed.Length} classes but the task has {classCount}");
            }
            return _fixed[label];
        }
        return RandomPermutation(classCount)[label];
    }

    /// <summary>The random derangement used for <paramref name="classCount"/> classes.</summary>
    internal int[] RandomPermutation(int classCount)
    {
        lock (_gate)
        {
            if (_random.Length == classCount) return _random;
            if (classCount < 2) throw new SimByzException($"data attack '{Spec}': a random derangement needs at least 2 classes, the task has {classCount}");
            var rng = new RandomStream(_streamSeed);
            var map = new int[classCount];
            bool hasFixedPoint;
            do
            {
                for (int c = 0; c < classCount; c++) map[c] = c;
                rng.Shuffle(map.AsSpan());
                hasFixedPoint = false;
                for (int c = 0; c < classCount; c++) hasFixedPoint |= map[c] == c;
            }
            while (hasFixedPoint);
            _random = map;
            return map;
        }
    }

    private static int[] ParsePermutation(string text)
    {
        string[] parts = text.Split(';');
        var map = new int[parts.Length];
        var seen = new bool[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int c) || c >= parts.Length)
            {
                throw new SimByzException($"data attack 'label-perm': parameter 'perm={text}' is invalid: entry {i} ('{parts[i]}') is not a class in [0, {parts.Length}); expected 'random' or a ';'-separated permutation such as 3;2;1;0");
            }
            if (seen[c]) throw new SimByzException($"data attack 'label-perm': parameter 'perm={text}' is invalid: class {c} appears twice (each class must appear exactly once)");
            seen[c] = true;
            map[i] = c;
        }
        return map;
    }
}
