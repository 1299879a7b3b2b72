using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SimByz.Aggregation;
using SimByz.Gpu;
using SimByz.Gpu.Composition;
using SimByz.Scheduler;
using SimByz.Testing.Aggregation;
using Xunit;

namespace SimByz.Tests.Properties.Gpu;

/// <summary>
/// One random stream of asynchronous messages for the async agreement properties: <see cref="Messages"/>
/// messages from <see cref="Workers"/> workers, d = <see cref="D"/>, each read at a random staleness up to
/// <see cref="MaxStaleness"/>; honest payloads are the validation gradient at the server's model plus noise
/// of a per-message scale, Byzantine ones (every <see cref="ByzantineEvery"/>-th message, 0: none) are
/// −4× that gradient, far outliers, or hold NaN/±∞.
/// </summary>
public sealed record AsyncCase(int D, int Workers, int Messages, int MaxStaleness, int ByzantineEvery, ulong Seed)
{
    public override string ToString()
        => $"d={D} workers={Workers} messages={Messages} maxStaleness={MaxStaleness} byzantineEvery={ByzantineEvery} seed={Seed}";
}

/// <summary>FsCheck generators of the async agreement properties.</summary>
public static class AsyncArbitraries
{
    /// <summary>d in [1, 10], 3–8 workers, 4–40 messages, staleness up to 0–5, a Byzantine message every 2–5 messages or none.</summary>
    public static Arbitrary<AsyncCase> Cases()
    {
        var gen =
            from d in Gen.Choose(1, 10)
            from workers in Gen.Choose(3, 8)
            from messages in Gen.Choose(4, 40)
            from maxStaleness in Gen.Choose(0, 5)
            from byzantine in Gen.Elements(0, 2, 3, 5)
            from seed in Gen.Choose(0, int.MaxValue)
            select new AsyncCase(d, workers, messages, maxStaleness, byzantine, (ulong)seed);
        return Arb.From(gen);
    }
}

/// <summary>
/// Each asynchronous rule's tensor twin agrees with its managed rule on a random message stream, both fed
/// the same server states (the model moves by the managed rule's accepted updates, with a learning rate
/// that decays per version, and the server's validation oracle is an analytic quadratic).
/// Per message: the same fate (accepted, held or rejected, with or without a reason) and, when accepted,
/// updates within 1e-5·(1 + scale) per coordinate (scale: the largest finite |payload| or |model|/γ seen),
/// non-finite coordinates identical; scores equal or within relative 1e-6. A rule whose decision compares a
/// score with a threshold (AFLGuard, Kardam, Zeno++) may decide differently only on a near tie (the managed
/// score within relative 1e-6 of its threshold, or for Kardam two coefficients that close), and the stream is
/// then not followed further.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TorchAsyncAgreementProperties
{
    private const double Tolerance = 1e-5;
    private const double ScoreTolerance = 1e-6;
    private const int Cases = 20;
    private static readonly TorchDevice Device = TorchDevice.Cpu;

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void AsyncSgdPlain_RandomStream_AgreesWithManaged(AsyncCase c) => Check("async-sgd", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void AsyncSgdStalenessAware_RandomStream_AgreesWithManaged(AsyncCase c) => Check("async-sgd:variant=staleness-aware", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void FedBuff_RandomStream_AgreesWithManaged(AsyncCase c) => Check($"fedbuff:k={1 + (int)(c.Seed % 4)},eta=0.5", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void FedBuffSqrtStaleness_RandomStream_AgreesWithManaged(AsyncCase c) => Check($"fedbuff:k={2 + (int)(c.Seed % 3)},staleness=sqrt", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void FedAsyncConstant_RandomStream_AgreesWithManaged(AsyncCase c) => Check("fedasync:alpha=0.6", c);

    /// <summary>A window of 0–3 versions: messages that read an older model are rejected alike.</summary>
    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void FedAsyncPolynomialSmallWindow_RandomStream_AgreesWithManaged(AsyncCase c) => Check($"fedasync:alpha=0.9,s=polynomial,a=0.5,window={c.Seed % 4}", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void FedAsyncHinge_RandomStream_AgreesWithManaged(AsyncCase c) => Check("fedasync:alpha=0.5,s=hinge,a=2,b=1", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void AflGuard_RandomStream_AgreesWithManaged(AsyncCase c) => Check("aflguard:lambda=1.5", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void AflGuardTight_RandomStream_AgreesWithManaged(AsyncCase c) => Check("aflguard:lambda=0.8", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void KardamExp_RandomStream_AgreesWithManaged(AsyncCase c) => Check("kardam:f=1", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void KardamInverseKnownN_RandomStream_AgreesWithManaged(AsyncCase c) => Check($"kardam:n={Math.Max(4, c.Workers)},f=1,damping=inverse", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void ZenoPlusPlusReference_RandomStream_AgreesWithManaged(AsyncCase c) => Check("zeno++:rho=0.001,eps=0.1,k=3", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void ZenoPlusPlusPlainMessages_RandomStream_AgreesWithManaged(AsyncCase c) => Check("zenopp:rho=0.002,eps=0,k=2,form=plain,refresh=messages", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void BasgdMedian_RandomStream_AgreesWithManaged(AsyncCase c) => Check("basgd:b=3,rule=median", c);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void BasgdTrimmedMean_RandomStream_AgreesWithManaged(AsyncCase c) => Check("basgd:b=3,rule=trimmed-mean", c, byzantine: 1);

    [Property(MaxTest = Cases, Arbitrary = [typeof(AsyncArbitraries)])]
    public void BasgdGeometricMedian_RandomStream_AgreesWithManaged(AsyncCase c) => Check("basgd:b=3,rule=geometric-median", c, tolerance: 1e-4);

    [Fact]
    public void Catalogue_EveryAsyncRule_HasTensorTwin()
    {
        var catalogs = TorchComponents.BuiltIn(Device);
        foreach (var entry in catalogs.Aggregators.AsyncRules.Entries) Assert.True(entry.Twin is not null, $"async rule {entry.Info.Name} has no tensor twin");
        Assert.Equal(AggregatorCatalog.BuiltIn.AsyncRules.Names, TorchComponents.AsyncRuleNames);
    }

    private static void Check(string spec, AsyncCase c, int byzantine = -1, double tolerance = Tolerance)
    {
        var build = new AggregatorBuildContext(Seed: c.Seed, DeclaredByzantine: byzantine);
        var managed = AggregatorCatalog.BuiltIn.CreateAsync(spec, build);
        var torch = TorchComponents.CreateAsyncRule(spec, Device, build);
        Assert.Equal(managed.Spec, torch.Spec);
        Assert.Equal(managed.UsesValidation, torch.UsesValidation);

        var rng = new RandomStream(c.Seed);
        int d = c.D;
        var center = new double[d];
        var x = new float[d];
        for (int j = 0; j < d; j++)
        {
            center[j] = rng.NextNormal(0, 2);
            x[j] = (float)rng.NextNormal(0, 2);
        }
        var oracleManaged = QuadraticValidationOracle.Isotropic(center);
        var oracleTorch = QuadraticValidationOracle.Isotropic(center);
        var expected = new float[d];
        var actual = new float[d];
        var coefficients = new List<double>();
        long version = 0;
        double scale = 1;
        for (int m = 0; m < c.Messages; m++)
        {
            double gamma = 0.1 / (1 + 0.05 * version);
            long staleness = Math.Min(version, rng.NextInt(c.MaxStaleness + 1));
            var payload = Payload(c, m, x, center, rng);
            foreach (float v in payload) if (float.IsFinite(v)) scale = Math.Max(scale, Math.Abs(v));
            foreach (float v in x) if (float.IsFinite(v)) scale = Math.Max(scale, Math.Abs(v) / gamma);
            var message = new AsyncMessage(rng.NextInt(c.Workers), version - staleness, staleness, payload);
            var model = x.ToArray();
            var em = managed.Decide(message, new AggregationContext { Model = model, LearningRate = gamma, Round = version, Oracle = oracleManaged }, expected);
            var et = torch.Decide(message, new AggregationContext { Model = model, LearningRate = gamma, Round = version, Oracle = oracleTorch }, actual);
            string where = $"{spec} on {c}, message {m}";
            if (spec.StartsWith("kardam", StringComparison.Ordinal) && double.IsFinite(em.Score)) coefficients.Add(em.Score);
            if (em.Accepted != et.Accepted || em.Held != et.Held)
            {
                Assert.True(NearTie(spec, em, coefficients), $"{where}: managed {Fate(em)} (score {em.Score:R}), torch {Fate(et)} (score {et.Score:R}) without a near tie");
                return;
            }
            Assert.True((em.Reason is null) == (et.Reason is null), $"{where}: reasons differ: managed '{em.Reason}', torch '{et.Reason}'");
            AssertScore(where, em.Score, et.Score);
            if (em.Accepted)
            {
                AssertClose(where, expected, actual, tolerance * (1 + scale));
                for (int j = 0; j < d; j++) x[j] -= (float)gamma * expected[j];
                version++;
            }
            else
            {
                Assert.All(actual, v => Assert.Equal(0f, v));
            }
        }
    }

    /// <summary>Message m: honest (the validation gradient at x plus noise), or every ByzantineEvery-th a Byzantine one.</summary>
    private static float[] Payload(AsyncCase c, int m, float[] x, double[] center, RandomStream rng)
    {
        int d = x.Length;
        var payload = new float[d];
        double noise = rng.NextDouble() * 2;
        for (int j = 0; j < d; j++) payload[j] = (float)(x[j] - center[j] + noise * rng.NextNormal());
        if (c.ByzantineEvery == 0 || m % c.ByzantineEvery != c.ByzantineEvery - 1) return payload;
        switch (rng.NextInt(4))
        {
            case 0:
                for (int j = 0; j < d; j++) payload[j] *= -4f;
                break;
            case 1:
                for (int j = 0; j < d; j++) payload[j] = payload[j] * 100f + 1000f;
                break;
            case 2:
                payload[rng.NextInt(d)] = rng.NextInt(2) == 0 ? float.PositiveInfinity : float.NegativeInfinity;
                break;
            default:
                Array.Fill(payload, float.NaN);
                break;
        }
        return payload;
    }

    /// <summary>
    /// Whether the managed decision sits on a near tie: AFLGuard's score ‖g − g_s‖/‖g_s‖ within relative 1e-6 of λ;
    /// Zeno++'s score within 1e-6·(1 + |score|) of its threshold (0, or ε in the plain form); for Kardam two
    /// distinct coefficients seen so far within relative 1e-6 of each other.
    /// </summary>
    private static bool NearTie(string spec, AsyncDecision managed, List<double> coefficients)
    {
        var parameters = ParameterValues(spec);
        static bool Close(double a, double b) => Math.Abs(a - b) <= ScoreTolerance * Math.Max(Math.Abs(a), Math.Abs(b));
        if (spec.StartsWith("aflguard", StringComparison.Ordinal)) return Close(managed.Score, parameters["lambda"]);
        if (spec.StartsWith("zeno", StringComparison.Ordinal))
        {
            double threshold = spec.Contains("form=plain", StringComparison.Ordinal) ? parameters["eps"] : 0;
            return Math.Abs(managed.Score - threshold) <= ScoreTolerance * (1 + Math.Abs(managed.Score));
        }
        if (spec.StartsWith("kardam", StringComparison.Ordinal))
        {
            var sorted = coefficients.Distinct().OrderBy(v => v).ToList();
            for (int i = 1; i < sorted.Count; i++) if (Close(sorted[i], sorted[i - 1])) return true;
        }
        return false;
    }

    private static Dictionary<string, double> ParameterValues(string spec)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return values;
        foreach (string pair in spec[(colon + 1)..].Split(','))
        {
            var kv = pair.Split('=');
            if (double.TryParse(kv[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v)) values[kv[0]] = v;
        }
        return values;
    }

    private static string Fate(AsyncDecision d) => d.Accepted ? "accepted" : d.Held ? "held" : "rejected";

    private static void AssertScore(string where, double e, double a)
    {
        if (double.IsNaN(e) || double.IsInfinity(e))
        {
            Assert.True(e.Equals(a), $"{where}: score managed {e}, torch {a}");
            return;
        }
        Assert.True(Math.Abs(e - a) <= ScoreTolerance * Math.Max(1, Math.Abs(e)), $"{where}: score managed {e:R}, torch {a:R}");
    }

    private static void AssertClose(string where, float[] expected, float[] actual, double bound)
    {
        for (int j = 0; j < expected.Length; j++)
        {
            float e = expected[j], a = actual[j];
            if (!float.IsFinite(e) || !float.IsFinite(a))
            {
                Assert.True(e.Equals(a), $"{where}: coordinate {j}: managed {e}, torch {a}");
                continue;
            }
            Assert.True(Math.Abs(e - a) <= bound, $"{where}: coordinate {j}: managed {e:R}, torch {a:R} (bound {bound})");
        }
    }
}
