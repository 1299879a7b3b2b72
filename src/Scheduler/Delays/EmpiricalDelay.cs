using SimByz.Specs;
namespace SimByz.Scheduler;

/// <summary>
/// An empirical distribution: each sample is one of the given values, chosen uniformly at random
/// with replacement, d = values[⌊n·U⌋] (index by <see cref="RandomStream.NextInt"/>, exactly uniform).
/// Spec <c>empirical:values=1ms;2ms;5ms</c> (values separated by ';') or <c>empirical:file=PATH</c>.
/// </summary>
/// <remarks>
/// One bounded integer draw per sample. Mean and variance are those of the values (population
/// variance). Values: at least one, each a finite duration ≥ 0. A file holds one duration per line
/// (SimTime text such as <c>1.5ms</c>, or plain seconds); blank lines and lines starting with '#'
/// are skipped.
/// </remarks>
public sealed record EmpiricalDelayOptions : DelayModelOptions
{
    /// <summary>How <c>simbyz list</c> describes this model.</summary>
    public static ComponentInfo Info { get; } = new ComponentInfo("empirical", "one of the given values, uniformly at random", "resampling of measured delays", "n/a",
                [DelayModelCatalog.ValuesParameter, DelayModelCatalog.FileParameter]);

    private readonly double[] _values;

    /// <summary>Creates the options from durations in seconds (copied).</summary>
    public EmpiricalDelayOptions(IReadOnlyList<double> valuesSeconds)
    {
        ArgumentNullException.ThrowIfNull(valuesSeconds);
        if (valuesSeconds.Count == 0) throw new SimByzException("empirical delay model: values is empty: expected at least one duration");
        _values = new double[valuesSeconds.Count];
        for (int i = 0; i < _values.Length; i++) _values[i] = CheckDuration("empirical", $"values[{i}]", valuesSeconds[i]);
    }

    /// <summary>Reads the values from a file of one duration per line (see remarks).</summary>
    public static EmpiricalDelayOptions FromFile(string path) => new(DurationFile.Read(path, "empirical"));

    /// <summary>The values, seconds.</summary>
    public IReadOnlyList<double> ValuesSeconds => _values;

    public override string Name => "empirical";

    public override string ToSpec() => "empirical:values=" + DurationFile.Join(_values);

    /// <summary>Equal when the values are equal, in order.</summary>
    public bool Equals(EmpiricalDelayOptions? other) => other is not null && _values.AsSpan().SequenceEqual(other._values);

    public override int GetHashCode() => DurationFile.Hash(_values);

    internal override DelaySampler CreateSampler() => new EmpiricalDelay(this, _values);
}

internal sealed class EmpiricalDelay(EmpiricalDelayOptions options, double[] values) : DelaySampler(options.ToSpec())
{
    private readonly double[] _values = values;

    public override double SampleSeconds(RandomStream rng) => _values[rng.NextInt(_values.Length)];
}

/// <summary>Reading and writing lists of durations (empirical values, trace replays).</summary>
internal static class DurationFile
{
    internal static int Hash(double[] values)
    {
        var hash = new HashCode();
        foreach (double v in values) hash.Add(v);
        return hash.ToHashCode();
    }

    internal static string Join(double[] values) => string.Join(";", values.Select(DelayText.Format));

    /// <summary>Parses <c>1ms;2ms;0.003</c>; <paramref name="context"/> prefixes errors.</summary>
    internal static double[] ParseList(string text, string context)
    {
        string[] parts = text.Split(';');
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!DelayText.TryParseSeconds(parts[i], out values[i]))
            {
                throw new SimByzException($"{context}: item {i + 1} '{parts[i].Trim()}' is not a duration (e.g. 1.5ms, 250us, or plain seconds 0.0015)");
            }
        }
        return values;
    }

    internal static double[] Read(string path, string model)
    {
        string[] lines = StrictText.Lines(StrictText.ReadFile(path, $"{model} delay model: durations file"));
        var values = new List<double>();
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (!DelayText.TryParseSeconds(line, out double v))
            {
                throw new SimByzException($"{model} delay model: '{path}' line {i + 1}: '{line}' is not a duration (e.g. 1.5ms, or plain seconds 0.0015)");
            }
            values.Add(v);
        }
        if (values.Count == 0) throw new SimByzException($"{model} delay model: '{path}' holds no durations");
        return values.ToArray();
    }
}
