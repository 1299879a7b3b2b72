using SimByz.Aggregation;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;
using SimByz.Specs;

namespace SimByz.Tests.SamplePlugin;

/// <summary>Median of means: the inputs in <c>groups</c> consecutive groups, the coordinate-wise median of the group means.</summary>
public sealed class MedianOfMeansRule(int groups) : IAggregator
{
    public static ComponentInfo Info { get; } = new("median-of-means", "coordinate-wise median of the means of consecutive groups", "Nemirovsky and Yudin 1983",
        "n ≥ groups", [new ParameterInfo("groups", "integer in [1, 1000]", "3", "number of groups")]);

    private double[] _means = [];

    public string Spec => $"median-of-means:groups={groups}";

    public void CheckTolerance(int n)
    {
        if (n < groups) throw new SimByzException($"{Spec}: tolerance condition n ≥ groups does not hold for n = {n} inputs");
    }

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        int n = input.Count, d = input.Dimension;
        CheckTolerance(n);
        if (_means.Length < groups) _means = new double[groups];
        for (int j = 0; j < d; j++)
        {
            for (int g = 0; g < groups; g++)
            {
                int start = g * n / groups, end = (g + 1) * n / groups;
                double sum = 0;
                for (int i = start; i < end; i++) sum += input.Row(i)[j];
                _means[g] = sum / (end - start);
            }
            Array.Sort(_means, 0, groups);
            output[j] = (float)(groups % 2 == 1 ? _means[groups / 2] : 0.5 * (_means[groups / 2 - 1] + _means[groups / 2]));
        }
        diagnostics?.Reset(n);
    }
}

/// <summary>The rule after it, scaled.</summary>
public sealed class DampedRule(IAggregator inner, double factor) : IAggregator
{
    public string Spec => $"damp:factor={factor.ToString(System.Globalization.CultureInfo.InvariantCulture)}+{inner.Spec}";

    public void CheckTolerance(int n) => inner.CheckTolerance(n);

    public void Aggregate(GradientBatch input, Span<float> output, AggregationContext context, AggregationDiagnostics? diagnostics = null)
    {
        inner.Aggregate(input, output, context, diagnostics);
        for (int j = 0; j < output.Length; j++) output[j] = (float)(output[j] * factor);
    }

    public void Reset() => inner.Reset();
}

/// <summary>Applies sign(g) of every message.</summary>
public sealed class SignSgdRule : IAsyncAggregator
{
    public string Spec => "sign-sgd";

    public AsyncDecision Decide(AsyncMessage message, AggregationContext context, Span<float> update)
    {
        var payload = message.Payload.Span;
        for (int j = 0; j < update.Length; j++) update[j] = payload[j] > 0 ? 1 : payload[j] < 0 ? -1 : 0;
        return AsyncDecision.Accept();
    }
}

/// <summary>Every Byzantine row is scale × the honest mean.</summary>
public sealed class ScaledMeanAttack(double scale) : IGradientAttack
{
    public string Spec => $"scaled-mean:scale={scale.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public void Craft(AttackContext context, Span<float> output)
    {
        int d = context.Dimension, h = context.Honest.Count;
        for (int j = 0; j < d; j++)
        {
            double sum = 0;
            for (int i = 0; i < h; i++) sum += context.Honest.Row(i)[j];
            float value = h == 0 ? 0 : (float)(scale * sum / h);
            for (int k = 0; k < context.ByzantineCount; k++) output[k * d + j] = value;
        }
    }
}

/// <summary>label ← (label + 1) mod C.</summary>
public sealed class ShiftLabelAttack : IDataAttack
{
    public string Spec => "shift-label";

    public int PoisonLabel(int label, int classCount) => (label + 1) % classCount;
}

/// <summary>Adds a constant delay to every Byzantine message.</summary>
public sealed class LazyBehaviour(int extraMicroseconds) : IAsyncBehaviour
{
    public string Spec => $"lazy:extra-us={extraMicroseconds}";

    public SimTime ExtraDelay(RandomStream rng) => SimTime.FromSeconds(extraMicroseconds * 1e-6);
}

/// <summary>Fast, or slow with probability p.</summary>
public sealed class BimodalSampler(double fast, double slow, double p) : IDelaySampler
{
    public double SampleSeconds(RandomStream rng) => rng.NextDouble() < p ? slow : fast;
}

/// <summary>f(x) = ½ mean ‖x − z_i‖² over the rows' feature vectors (no classes: accuracy NaN).</summary>
public sealed class CentroidModel(int features) : IModel
{
    public string Spec => "centroid";

    public int ParameterCount => features;

    public void Initialize(Span<float> parameters, RandomStream rng) => parameters.Clear();

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows, Span<float> gradient)
    {
        gradient.Clear();
        double loss = 0;
        foreach (int r in rows)
        {
            var z = data.Example(r);
            for (int j = 0; j < features; j++)
            {
                double diff = parameters[j] - z[j];
                loss += 0.5 * diff * diff;
                gradient[j] += (float)(diff / rows.Length);
            }
        }
        return loss / rows.Length;
    }

    public double Loss(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows)
    {
        double loss = 0;
        foreach (int r in rows)
        {
            var z = data.Example(r);
            for (int j = 0; j < features; j++)
            {
                double diff = parameters[j] - z[j];
                loss += 0.5 * diff * diff;
            }
        }
        return loss / rows.Length;
    }

    public Evaluation Evaluate(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> rows) => new(Loss(parameters, data, rows), double.NaN);

    public IModel Clone() => new CentroidModel(features);
}
