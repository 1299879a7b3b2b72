using System.Globalization;
using SimByz.Simulator.Tasks.Models;
using SimByz.Specs;

namespace SimByz.Simulator.Tasks;

/// <summary>
/// The managed models by stable name, built from a spec in the grammar of <see cref="ComponentSpec"/>
/// for a dataset's shape (feature count d, class count C; C = 0 for regression).
/// </summary>
/// <remarks>
/// <para>Specs: <c>linear</c>, <c>logistic</c>, <c>softmax</c>, <c>mlp:hidden=64</c>,
/// <c>mlp:hidden=128;64</c> (hidden sizes separated by ';' since values cannot contain ','),
/// <c>mlp:hidden=100,init=torch</c> and <c>softmax:init=torch</c> (PyTorch's default initialization,
/// <see cref="ModelInitialization"/>),
/// <c>quadratic</c>, <c>quadratic:mu=2</c>. Every model is deterministic bit for bit (see
/// <see cref="IModel"/>). <see cref="BuiltIn"/> lists them in a fixed order; the torch backend and plug-ins add
/// theirs to a copy (a <see cref="ComponentCatalog{TContext, T}"/> is a value). Thread-safe.</para>
/// </remarks>
public static class ModelCatalog
{
    /// <summary>SimByz's built-in models, in the order of <c>simbyz list</c>. A factory reads the spec's
    /// parameters and returns a <see cref="ModelFactory"/> for the data's shape.</summary>
    public static ComponentCatalog<NoContext, ModelFactory> BuiltIn { get; } = new ComponentCatalog<NoContext, ModelFactory>("model")
        .Add(Models.LinearRegressionModel.Info, (p, _) => (d, c) => RequireRegression("linear", c, () => new LinearRegressionModel(d)))
        .Add(Models.LogisticRegressionModel.Info, (p, _) => (d, c) => RequireClasses("logistic", c, 2, 2, () => new LogisticRegressionModel(d)))
        .Add(Models.SoftmaxRegressionModel.Info, (p, _) =>
        {
            var init = TorchInitialization.Read(p, SoftmaxRegressionModel.DefaultInit);
            return (d, c) => RequireClasses("softmax", c, 2, int.MaxValue, () => new SoftmaxRegressionModel(d, c, init));
        })
        .Add(Models.MlpModel.Info, (p, _) => ParseMlp(p))
        .Add(Models.QuadraticModel.Info, (p, _) => ParseQuadratic(p));

    /// <summary>Checks <paramref name="spec"/> (name and parameters) without a dataset.</summary>
    /// <exception cref="SimByzException">Unknown model or bad parameter.</exception>
    public static void Validate(string spec, ComponentCatalog<NoContext, ModelFactory>? catalog = null) => Parse(spec, catalog ?? BuiltIn);

    /// <summary>Builds the model of <paramref name="spec"/> for data with <paramref name="featureCount"/>
    /// features and <paramref name="classCount"/> classes (0 = regression).</summary>
    /// <exception cref="SimByzException">Unknown model, bad parameter, or a model that does not fit the data.</exception>
    public static IModel Create(string spec, int featureCount, int classCount, ComponentCatalog<NoContext, ModelFactory>? catalog = null)
    {
        if (featureCount <= 0) throw new SimByzException($"model '{spec}': the data has no features");
        return Parse(spec, catalog ?? BuiltIn)(featureCount, classCount);
    }

    private static ModelFactory Parse(string spec, ComponentCatalog<NoContext, ModelFactory> catalog)
        => catalog.Create(ComponentSpec.Parse(spec, catalog.Kind), default);

    private static ModelFactory ParseMlp(SpecParameters p)
    {
        string raw = p.GetString("hidden", "64");
        var init = TorchInitialization.Read(p, MlpModel.DefaultInit);
        string[] parts = raw.Split(';');
        if (parts.Length is < 1 or > 2) throw new SimByzException($"model 'mlp:hidden={raw}': expected 1 or 2 hidden sizes separated by ';', e.g. hidden=128;64");
        var hidden = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out hidden[i]) || hidden[i] < 1 || hidden[i] > 65536)
            {
                throw new SimByzException($"model 'mlp:hidden={raw}': hidden size '{parts[i]}' is invalid: expected an integer in [1, 65536]");
            }
        }
        return (d, c) => RequireClasses("mlp", c, 2, int.MaxValue, () =>
        {
            long count = 0, fanIn = d;
            foreach (int h in hidden)
            {
                count += h * (fanIn + 1);
                fanIn = h;
            }
            count += c * (fanIn + 1);
            if (count > int.MaxValue / 2) throw new SimByzException($"model 'mlp:hidden={raw}': {count} parameters for {d} features is too many");
            return new MlpModel(d, hidden, c, init);
        });
    }

    private static ModelFactory ParseQuadratic(SpecParameters p)
    {
        double mu = p.GetDouble("mu", 1.0, double.Epsilon, 1e12);
        return (d, _) => new QuadraticModel(d, mu);
    }

    private static IModel RequireRegression(string name, int classCount, Func<IModel> build)
    {
        if (classCount != 0) throw new SimByzException($"model '{name}' needs regression data (targets); the data has {classCount} classes (use logistic, softmax or mlp)");
        return build();
    }

    private static IModel RequireClasses(string name, int classCount, int min, int max, Func<IModel> build)
    {
        if (classCount == 0) throw new SimByzException($"model '{name}' needs classification data; the data is regression (use linear or quadratic)");
        if (classCount < min || classCount > max)
        {
            string allowed = min == max ? $"exactly {min}" : $"at least {min}";
            throw new SimByzException($"model '{name}' needs {allowed} classes; the data has {classCount} (use softmax or mlp for C > 2)");
        }
        return build();
    }
}
