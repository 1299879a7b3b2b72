using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using SimByz.Aggregation;
using SimByz.Aggregation.IO;
using SimByz.Cli.Composition;
using SimByz.Scheduler;
using SimByz.Simulator.Output;

namespace SimByz.Cli.Commands;

/// <summary>
/// <c>simbyz aggregate --rule SPEC --input grads.npy [--output out.npy] [--seed N] [--backend cpu]</c>:
/// aggregates the n rows of a .npy matrix with one rule (and its pre-aggregators) and prints the
/// diagnostics as JSON.
/// </summary>
/// <remarks>
/// <para>Input: float32 or float64, shape (n, d), C order (see <see cref="NpyFile"/>). Rows with NaN
/// or ±∞ are legitimate Byzantine input and are passed to the rule as they are.</para>
/// <para>Output: the aggregate as a float32 1-D .npy of length d, written atomically and only after
/// the aggregation succeeded. Stdout: one JSON object with <c>rule</c> (the canonical spec),
/// <c>input</c>, <c>dtype</c>, <c>n</c>, <c>d</c>, <c>output</c>, <c>output_norm</c>,
/// <c>non_finite_rows</c>, <c>iterations</c>, and, when the rule reports them, <c>selected</c>
/// (indices of the selected rows), <c>weights</c> and <c>scores</c>. Non-finite numbers (a NaN
/// norm, a −∞ score) are written as <c>null</c>, as JSON has no infinities.</para>
/// <para>Zeno needs the server's validation data (loss and model), which a gradient file does not
/// carry: <c>zeno</c> is rejected here with a message saying so. <c>--backend torch</c> runs the rule's tensor twin on <c>--device</c>
/// (JSON field <c>backend</c> says which device was chosen).</para>
/// </remarks>
internal static class AggregateCommand
{
    public static Command Create(TextWriter output)
    {
        var rule = new Option<string>("--rule") { Description = "Aggregation rule spec, e.g. krum:f=4 or bucketing:s=2+trimmed-mean:b=3 (see `simbyz list aggregators`).", Required = true };
        var input = new Option<string>("--input") { Description = "Input .npy: float32 or float64, shape (n, d), C order.", Required = true };
        var outputPath = new Option<string?>("--output") { Description = "Where to write the aggregate (float32, 1-D, length d) as .npy." };
        var seed = new Option<ulong>("--seed") { Description = "Root seed for seeded pre-aggregators (bucketing).", DefaultValueFactory = _ => 0UL };
        var backend = new Option<string>("--backend") { Description = "Compute backend: cpu (managed, bit-reproducible) or torch (TorchSharp; agrees within the documented tolerance).", DefaultValueFactory = _ => "cpu" };
        var device = new Option<string>("--device") { Description = "Torch device: auto (CUDA when available), cpu or cuda.", DefaultValueFactory = _ => "auto" };
        var plugins = CliComposition.PluginOption();
        var command = new Command("aggregate", "Aggregate the rows of a .npy gradient matrix with a rule; print diagnostics as JSON." + CommandExamples.Format(
            "simbyz aggregate --rule krum:f=4 --input grads.npy",
            "simbyz aggregate --rule bucketing:s=2+median --input grads.npy --output agg.npy",
            "simbyz aggregate --rule median --input grads.npy --backend torch"));
        command.Options.Add(plugins);
        command.Options.Add(rule);
        command.Options.Add(input);
        command.Options.Add(outputPath);
        command.Options.Add(seed);
        command.Options.Add(backend);
        command.Options.Add(device);
        command.SetAction(parse =>
        {
            Run(parse.GetValue(rule)!, parse.GetValue(input)!, parse.GetValue(outputPath), parse.GetValue(seed), parse.GetValue(backend) ?? "cpu", output, parse.GetValue(device) ?? "auto",
                parse.GetValue(plugins) ?? []);
            return 0;
        });
        return command;
    }

    internal static void Run(string ruleSpec, string inputPath, string? outputPath, ulong seed, string backend, TextWriter output, string device = "auto",
        IReadOnlyList<string>? plugins = null)
    {
        if (backend is not ("cpu" or "torch"))
        {
            throw new SimByzException($"--backend '{backend}' is unknown (allowed: cpu, torch)");
        }
        // The output file is taken first: a path that is a folder, a device or in use is refused before the work.
        using var file = outputPath is null ? null : new AtomicFile(outputPath);
        var root = CliComposition.Create(plugins, device, torchBackend: backend == "torch").Root;
        RejectAsynchronousRule(root.Catalogs.Aggregators, ruleSpec);
        string backendDescription = root.Backend.Device ?? "cpu (managed)";
        IAggregator aggregator = root.Backend.CreateRule(root.Catalogs.Aggregators, ruleSpec, new AggregatorBuildContext(seed));
        using var disposesTheRule = aggregator as IDisposable;
        var matrix = NpyFile.ReadMatrix(inputPath);
        if (matrix.Rows == 0 || matrix.Columns == 0)
        {
            throw new SimByzException($"{inputPath}: shape ({matrix.Rows}, {matrix.Columns}) is empty; expected n ≥ 1 rows of d ≥ 1 values");
        }
        var batch = new GradientBatch(matrix.Data, matrix.Rows, matrix.Columns);
        var result = new float[matrix.Columns];
        var diagnostics = new AggregationDiagnostics();
        aggregator.Aggregate(batch, result, AggregationContext.None, diagnostics);
        if (file is not null)
        {
            using (var stream = file.Create()) stream.Write(NpyFile.EncodeVector(result));
            file.Commit();
        }
        WriteJson(output, aggregator.Spec, backendDescription, inputPath, outputPath, matrix, result, diagnostics);
    }

    /// <summary>An asynchronous rule (zeno++, async-sgd) decides per message: say so rather than fail on its name.</summary>
    private static void RejectAsynchronousRule(AggregatorCatalog catalog, string ruleSpec)
    {
        if (!catalog.IsAsyncRule(ruleSpec)) return;
        string name = ruleSpec.Trim().Split(':')[0];
        throw new SimByzException(
            $"rule '{ruleSpec}': {name} is an asynchronous rule (it decides on one message at a time, inside a simulation); " +
            "simbyz aggregate takes a synchronous rule (see `simbyz list aggregators`)");
    }

    private static void WriteJson(TextWriter output, string spec, string backend, string inputPath, string? outputPath, NpyMatrix matrix, float[] result, AggregationDiagnostics diagnostics)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("rule", spec);
            json.WriteString("backend", backend);
            json.WriteString("input", inputPath);
            json.WriteString("dtype", matrix.DType);
            json.WriteNumber("n", matrix.Rows);
            json.WriteNumber("d", matrix.Columns);
            if (outputPath is null) json.WriteNull("output");
            else json.WriteString("output", outputPath);
            WriteNumberOrNull(json, "output_norm", DetVec.Norm(result));
            json.WriteNumber("non_finite_rows", CountNonFiniteRows(matrix));
            json.WriteNumber("iterations", diagnostics.Iterations);
            if (diagnostics.HasSelection)
            {
                json.WriteStartArray("selected");
                for (int i = 0; i < diagnostics.InputCount; i++)
                {
                    if (diagnostics.Selected[i]) json.WriteNumberValue(i);
                }
                json.WriteEndArray();
            }
            if (diagnostics.HasWeights) WriteArray(json, "weights", diagnostics.Weights);
            if (diagnostics.HasScores) WriteArray(json, "scores", diagnostics.Scores);
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static int CountNonFiniteRows(NpyMatrix matrix)
    {
        int count = 0;
        for (int i = 0; i < matrix.Rows; i++)
        {
            foreach (float x in matrix.Data.AsSpan(i * matrix.Columns, matrix.Columns))
            {
                if (!float.IsFinite(x))
                {
                    count++;
                    break;
                }
            }
        }
        return count;
    }

    private static void WriteArray(Utf8JsonWriter json, string name, ReadOnlySpan<double> values)
    {
        json.WriteStartArray(name);
        foreach (double v in values)
        {
            if (double.IsFinite(v)) json.WriteNumberValue(v);
            else json.WriteNullValue();
        }
        json.WriteEndArray();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }
}
