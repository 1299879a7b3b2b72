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
/// <c>quadratic</c>, <c>quadratic:mu=2</c>. Every model is deterministic bit for bit (see
/// <see cref="IModel"/>). Entries are listed in a fixed order. Other assemblies add models with
/// <see cref="Register"/> (the torch backend). Thread-safe.</para>
/// </remarks>
public static class ModelRegistry
{
    private sealed record Entry(ComponentInfo Info, Func<SpecParameters, Func<int, int, IModel>> Parse);

    private static readonly List<Entry> Entries =
    [
        new(new ComponentInfo("linear", "linear regression ŷ = w·x + b, loss ½·mean (ŷ − y)²; layout w then b; zero init",
            "least squares", "regression data (targets)", []), p => (d, c) => RequireRegression("linear", c, () => new LinearRegressionModel(d))),
        new(new ComponentInfo("logistic", "binary logistic regression, mean cross-entropy, labels 0/1; layout w then b; zero init",
            "logistic regression", "classification data with 2 classes", []), p => (d, c) => RequireClasses("logistic", c, 2, 2, () => new LogisticRegressionModel(d))),
        new(new ComponentInfo("softmax", "softmax regression, mean cross-entropy (stable log-sum-exp); layout W (C×d row-major) then b; zero init",
            "multinomial logistic regression", "classification data, C ≥ 2", []), p => (d, c) => RequireClasses("softmax", c, 2, int.MaxValue, () => new SoftmaxRegressionModel(d, c))),
        new(new ComponentInfo("mlp", "MLP with 1 or 2 ReLU hidden layers and softmax cross-entropy output; per layer W (out×in row-major) then b; He-uniform hidden, Glorot-uniform output, zero biases",
            "He et al. 2015 (init), Glorot and Bengio 2010 (init)", "classification data, C ≥ 2",
            [new ParameterInfo("hidden", "1 or 2 sizes separated by ';'", "64", "hidden layer widths, e.g. 128;64")]), ParseMlp),
        new(new ComponentInfo("quadratic", "strongly convex quadratic f(x) = (μ/2)·mean ‖x − z_i‖² over the examples' feature vectors; optimum = their mean; zero init",
            "theory check (μ-strongly convex, μ-smooth)", "any data",
            [new ParameterInfo("mu", "number > 0", "1", "curvature μ")]), ParseQuadratic),
    ];

    private static (ComponentInfo Info, Func<string, int, int, IModel> Create)[] s_external = [];

    /// <summary>Every model, in the order of <c>simbyz list</c> (built-in first, then registered ones).</summary>
    public static IReadOnlyList<ComponentInfo> Models => Entries.Select(e => e.Info).Concat(Volatile.Read(ref s_external).Select(e => e.Info)).ToList();

    /// <summary>
    /// Adds a model implemented in another assembly (the torch backend's <c>cnn</c>, <c>zeno-cnn</c>,
    /// <c>torch-mlp</c>: SimByz.Gpu's <c>TorchModels.Register</c>); <paramref name="create"/> gets the
    /// whole spec and the data shape and validates its parameters itself. Registering a name again
    /// replaces the earlier registration; built-in names cannot be registered. Thread-safe.
    /// </summary>
    public static void Register(ComponentInfo info, Func<string, int, int, IModel> create)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(create);
        if (Entries.Any(e => e.Info.Name == info.Name)) throw new ArgumentException($"model '{info.Name}' is built in", nameof(info));
        lock (Entries)
        {
            var current = Volatile.Read(ref s_external);
            Volatile.Write(ref s_external, current.Where(e => e.Info.Name != info.Name).Append((info, create)).ToArray());
        }
    }

    /// <summary>Checks <paramref name="spec"/> (name and parameters) without a dataset; registered models' parameters are checked when built.</summary>
    /// <exception cref="SimByzException">Unknown model or bad parameter.</exception>
    public static void Validate(string spec)
    {
        if (External(spec) is null) Parse(spec);
    }

    /// <summary>Builds the model of <paramref name="spec"/> for data with <paramref name="featureCount"/>
    /// features and <paramref name="classCount"/> classes (0 = regression).</summary>
    /// <exception cref="SimByzException">Unknown model, bad parameter, or a model that does not fit the data.</exception>
    public static IModel Create(string spec, int featureCount, int classCount)
    {
        if (featureCount <= 0) throw new SimByzException($"model '{spec}': the data has no features");
        if (External(spec) is { } create) return create(spec, featureCount, classCount);
        return Parse(spec)(featureCount, classCount);
    }

    private static Func<string, int, int, IModel>? External(string spec)
    {
        string name = ComponentSpec.Parse(spec, "model").Name;
        foreach (var e in Volatile.Read(ref s_external)) if (e.Info.Name == name) return e.Create;
        return null;
    }

    private static Func<int, int, IModel> Parse(string spec)
    {
        var parsed = ComponentSpec.Parse(spec, "model");
        var entry = Entries.FirstOrDefault(e => e.Info.Name == parsed.Name)
            ?? throw new SimByzException($"unknown model '{parsed.Name}' (known: {string.Join(", ", Models.Select(m => m.Name))})");
        var parameters = parsed.Read("model");
        var factory = entry.Parse(parameters);
        parameters.EnsureAllUsed();
        return factory;
    }

    private static Func<int, int, IModel> ParseMlp(SpecParameters p)
    {
        string raw = p.GetString("hidden", "64");
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
            return new MlpModel(d, hidden, c);
        });
    }

    private static Func<int, int, IModel> ParseQuadratic(SpecParameters p)
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
