using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SimByz.Tests.Properties.Generators;

/// <summary>One edit of a scenario file: <paramref name="Kind"/> "set" puts the JSON text <paramref name="Value"/>
/// (possibly not JSON at all) at <paramref name="Path"/>; the other kinds edit the file's text or bytes.</summary>
public sealed record ScenarioEdit(string Kind, string Path, string Value)
{
    public override string ToString() => Kind == "set" ? $"{Path}={Value}" : $"{Kind}({Value})";
}

/// <summary>
/// A small valid scenario made hostile by one to three <paramref name="Edits"/>; with
/// <paramref name="ThroughSet"/> the "set" edits are given as <c>--set PATH=VALUE</c> instead of in the file.
/// </summary>
public sealed record HostileScenario(ScenarioEdit[] Edits, bool ThroughSet)
{
    /// <summary>The valid starting point: a 4-worker quadratic task of 3 steps (milliseconds per run).</summary>
    public const string BaseJson = """
    {
      "name": "hostile", "description": "", "seed": 1,
      "task": { "data": "quadratic:features=4,train=400,test=50", "model": "quadratic", "partition": "iid", "validation": 40, "test": 0 },
      "workers": { "count": 4, "batchSize": 8, "compute": "constant:t=2ms", "network": "uniform:min=1ms,max=2ms",
                   "overrides": [ { "workers": [1], "compute": "exponential:mean=3ms" } ],
                   "availability": [ { "worker": 2, "crash": "4ms", "recover": "9ms" } ] },
      "byzantine": { "count": 1, "select": "first", "attack": "sign-flip:s=2" },
      "protocol": { "kind": "sync", "wait": "all", "k": 0, "maxStaleness": -1, "asyncBuffer": 0 },
      "optimizer": { "learningRate": 0.1, "schedule": "constant", "stepFactor": 0.1, "milestones": [2], "momentum": 0, "weightDecay": 0, "workerMomentum": 0, "localSteps": 1 },
      "defences": ["mean", "median"],
      "validationBatch": 8,
      "budget": { "steps": 3, "maxMessages": 0 },
      "evaluation": { "every": 1, "trainRows": 50 }
    }
    """;

    /// <summary>The scenario file's bytes (all edits, or only the textual ones when <see cref="ThroughSet"/>).</summary>
    public byte[] FileBytes()
    {
        var root = JObject.Parse(BaseJson);
        var sets = ThroughSet ? [] : Edits.Where(e => e.Kind == "set").ToArray();
        for (int k = 0; k < sets.Length; k++) Put(root, sets[k].Path, new JValue($"@@EDIT{k}@@"));
        string text = root.ToString(Formatting.Indented);
        for (int k = 0; k < sets.Length; k++) text = text.Replace($"\"@@EDIT{k}@@\"", sets[k].Value, StringComparison.Ordinal);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        foreach (var e in Edits.Where(e => e.Kind != "set")) bytes = ApplyText(bytes, e);
        return bytes;
    }

    /// <summary>The <c>--set</c> arguments (empty unless <see cref="ThroughSet"/>).</summary>
    public string[] SetArguments()
        => ThroughSet ? Edits.Where(e => e.Kind == "set").SelectMany(e => new[] { "--set", $"{e.Path}={e.Value}" }).ToArray() : [];

    public override string ToString() => (ThroughSet ? "--set " : "file ") + string.Join("; ", Edits.Select(e => e.ToString()));

    private static void Put(JObject root, string path, JToken value)
    {
        string[] keys = path.Split('.');
        JObject obj = root;
        for (int i = 0; i < keys.Length - 1; i++)
        {
            if (obj[keys[i]] is not JObject child)
            {
                child = [];
                obj[keys[i]] = child;
            }
            obj = child;
        }
        obj[keys[^1]] = value;
    }

    private static byte[] ApplyText(byte[] bytes, ScenarioEdit e)
    {
        string text = Encoding.UTF8.GetString(bytes);
        switch (e.Kind)
        {
            case "duplicate":
                return Encoding.UTF8.GetBytes("{ \"" + e.Value + "\": 7," + text[(text.IndexOf('{', StringComparison.Ordinal) + 1)..]);
            case "bytes":
            {
                // Raw bytes inside the name string: invalid UTF-8 sequences, or valid multi-byte text.
                byte[] marker = Encoding.UTF8.GetBytes("\"hostile\"");
                int at = bytes.AsSpan().IndexOf(marker);
                byte[] insert = Convert.FromHexString(e.Value);
                return [.. bytes[..(at + 1)], .. insert, .. bytes[(at + 1)..]];
            }
            case "truncate":
                return bytes[..(int)(bytes.Length * double.Parse(e.Value, CultureInfo.InvariantCulture))];
            case "nest":
            {
                int depth = int.Parse(e.Value, CultureInfo.InvariantCulture);
                return Encoding.UTF8.GetBytes(text.Replace("\"description\": \"\"", "\"description\": " + new string('[', depth) + new string(']', depth), StringComparison.Ordinal));
            }
            case "append":
                return [.. bytes, .. Encoding.UTF8.GetBytes(e.Value)];
            case "bom":
                return [0xEF, 0xBB, 0xBF, .. bytes];
            case "empty":
                return [];
            default:
                throw new InvalidOperationException(e.Kind);
        }
    }
}

/// <summary>The bytes of a hostile <c>.npy</c> file: a header of the given parts and <paramref name="DataBytes"/> bytes of data.</summary>
public sealed record HostileNpy(bool BadMagic, int Major, int Minor, string Descr, string Fortran, string Shape, bool LieAboutLength, int DataBytes, string Rule)
{
    public byte[] Bytes()
    {
        string dict = $"{{'descr': {Descr}, 'fortran_order': {Fortran}, 'shape': {Shape}, }}";
        int prefix = 6 + 2 + (Major == 1 ? 2 : 4);
        string header = dict + new string(' ', (64 - (prefix + dict.Length + 1) % 64) % 64) + "\n";
        var bytes = new List<byte>(BadMagic ? [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'X'] : [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y']);
        bytes.Add((byte)Major);
        bytes.Add((byte)Minor);
        int length = header.Length + (LieAboutLength ? 1000 : 0);
        if (Major == 1) bytes.AddRange(BitConverter.GetBytes((ushort)Math.Min(length, ushort.MaxValue)));
        else bytes.AddRange(BitConverter.GetBytes(length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        // Values 0.5 (float32, little-endian) whatever the dtype says: only their number matters here.
        for (int i = 0; i < DataBytes; i++) bytes.Add(i % 4 == 3 ? (byte)0x3F : (byte)0);
        return [.. bytes];
    }

    /// <summary>Whether the file is a well-formed 2-D float array whose shape accounts for exactly its data bytes.</summary>
    public bool IsConsistent
    {
        get
        {
            if (BadMagic || LieAboutLength || Major is < 1 or > 3 || Minor != 0 || Fortran != "False") return false;
            if (Descr is not ("'<f4'" or "'<f8'" or "'>f4'" or "'>f8'")) return false;
            if (!Shape.StartsWith('(') || !Shape.EndsWith(')')) return false;
            var dims = Shape[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (dims.Length != 2) return false;
            System.Numerics.BigInteger product = 1;
            foreach (string d in dims)
            {
                if (!System.Numerics.BigInteger.TryParse(d.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out var v)) return false;
                product *= v;
            }
            return product * (Descr.Contains('8', StringComparison.Ordinal) ? 8 : 4) == DataBytes;
        }
    }

    public override string ToString() => $"magic {(BadMagic ? "bad" : "ok")}, v{Major}.{Minor}, descr {Descr}, fortran {Fortran}, shape {Shape}, length {(LieAboutLength ? "lies" : "ok")}, {DataBytes} data bytes, rule {Rule}";
}

/// <summary>
/// An edit of a recorded trace (or of its payload index) followed by a command on it: <paramref name="Kind"/>
/// says what is done to line <paramref name="LinePick"/> (mod the line count); <paramref name="Rehash"/> recomputes
/// the whole-trace hash afterwards, so the edit reaches the readers behind the hash check.
/// </summary>
public sealed record TraceEdit(string Kind, int LinePick, int FieldPick, string Value, bool Rehash, string Command)
{
    public override string ToString() => $"{Kind} line#{LinePick} field#{FieldPick} = {Value}{(Rehash ? ", rehashed" : "")}, then {Command}";
}

/// <summary>
/// An output path in some condition (missing, a file, a device, a symbolic link, a foreign folder,
/// in use, leftovers of a killed process, …) given to <paramref name="Command"/>.
/// </summary>
public sealed record OutputCondition(string Target, string Command)
{
    public override string ToString() => $"{Command} into {Target}";
}

/// <summary>
/// The generators of the hostile-input suite (tests/Properties/Cli): scenarios, .npy headers, trace edits and
/// output-path conditions. Use with <c>[BudgetedProperty(Arbitrary = new[] { typeof(HostileInputArbitraries) })]</c>.
/// </summary>
/// <remarks>
/// <para>Scenarios: one to three edits of <see cref="HostileScenario.BaseJson"/>: every numeric field set to a number
/// at the edge of some range (0, ±1, ±2^31, ±2^63, 2^64, 10^23, ±1e308, 1e400, a denormal, fractions) or to a value of
/// another type; every spec field set to a spec at the edge of its parameters (a Pareto tail that overflows the
/// clock, a million features, iteration counts in the billions, negative counts); keys given twice, invalid UTF-8
/// bytes, unpaired surrogates, NaN literals, nesting around the reader's depth limit, truncation, trailing text.</para>
/// <para>.npy files: bad magic, every format version, every dtype kind, Fortran order, ranks 0 to 3, shapes whose
/// product wraps 64 bits, dimensions past 2^31, negative and non-integer dimensions, a header length that lies, and
/// data shorter, longer or exactly as long as the shape says.</para>
/// <para>Trace edits: a field of any record set to a value of another type or out of range, fields removed or
/// given twice, lines removed, swapped, emptied or given invalid bytes, the file truncated; with or without the
/// whole-trace hash recomputed; then export, exact, counterfactual or message replay.</para>
/// <para>Output paths: see <see cref="OutputTargets"/>, for run, export, message replay and sweep.</para>
/// </remarks>
public static class HostileInputArbitraries
{
    /// <summary>Numbers at the edges of the ranges SimByz reads, and values of other types.</summary>
    public static readonly string[] EdgeValues =
    [
        "0", "-1", "1", "2", "3", "2147483647", "2147483648", "-2147483649", "4294967297", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616", "99999999999999999999999",
        "1e308", "-1e308", "1e400", "4.9e-324", "0.5", "1.5", "-0.0", "1e-9", "NaN", "Infinity",
        "\"1\"", "\"\"", "true", "null", "[]", "{}", "[1, 2]", "{\"a\": 1}", "\"5ms\"", "\"-5ms\"", "\"9223372036854775807ns\"", "\"1e9s\"",
    ];

    /// <summary>Every numeric field of a scenario (and the arrays and objects holding numbers).</summary>
    public static readonly string[] NumericPaths =
    [
        "seed", "workers.count", "workers.batchSize", "byzantine.count", "byzantine.ids", "protocol.k", "protocol.deadline", "protocol.maxStaleness",
        "protocol.asyncBuffer", "optimizer.learningRate", "optimizer.stepFactor", "optimizer.milestones", "optimizer.momentum", "optimizer.weightDecay",
        "optimizer.workerMomentum", "optimizer.localSteps", "validationBatch", "budget.steps", "budget.time", "budget.maxMessages", "evaluation.every",
        "evaluation.trainRows", "task.validation", "task.test", "workers.overrides", "workers.availability", "plugins",
    ];

    /// <summary>Spec fields with specs at the edges of their parameters.</summary>
    public static readonly (string Path, string[] Values)[] SpecValues =
    [
        ("task.data", ["gaussian-mixture:features=2147483648", "quadratic:features=1000000,train=100000000", "quadratic:train=0", "quadratic:features=-1",
            "quadratic:features=4,train=2,test=1", "idx:images=/nonexistent,labels=/nonexistent", "cifar10:path=/tmp", "fashion-mnist:dir=/nonexistent", "", "x:y=z", "quadratic:features=1e3"]),
        ("task.model", ["softmax", "mlp:hidden=2147483647", "linear", "nope", ""]),
        ("task.partition", ["dirichlet:alpha=0.0001", "dirichlet:alpha=1e308", "shards:per-worker=2147483647", "nope"]),
        ("workers.compute", ["pareto:scale=1s,alpha=0.0001", "constant:t=9223372036854775807ns", "constant:t=1000000000s", "constant:t=0ms", "exponential:mean=1e300",
            "uniform:min=2ms,max=1ms", "trace:values=,on-end=loop", "empirical:file=/dev/null", "straggler:p=1,factor=1e300+constant:t=1s", "lognormal:mu=1e308,sigma=1e308",
            "shifted:offset=1e9+pareto:scale=1e9,alpha=0.0001", "constant:t=-1ms", "pareto:scale=1ns,alpha=1000"]),
        ("workers.network", ["pareto:scale=1e9,alpha=0.0001", "constant:t=0ms", "constant:t=4611686018427387904ns", "empirical:values=1e9;1e9"]),
        ("byzantine.attack", ["sign-flip:s=1e308", "gaussian:sigma=-1", "nope", "ipm:eps=1e308", "alie:z=NaN", "nonfinite", "optimal-ipm"]),
        ("byzantine.select", ["random", "explicit", "sideways"]),
        ("protocol.kind", ["async", "sideways"]),
        ("protocol.wait", ["first-k", "deadline", "never"]),
        ("defences", ["[\"krum:f=2147483648\"]", "[\"zeno:b=-1\"]", "[\"geometric-median:iters=2000000000\"]", "[\"cc:iters=2147483647\"]", "[\"bucketing:s=2147483647+mean\"]",
            "[\"mean\", \"mean\"]", "[]", "[\"trimmed-mean:b=1e3\"]", "[\"async-sgd\"]"]),
    ];

    private static Gen<ScenarioEdit> SetEdit { get; } = Gen.Frequency(
        (2, from path in Gen.Elements(NumericPaths) from value in Gen.Elements(EdgeValues) select new ScenarioEdit("set", path, value)),
        (1, from spec in Gen.Elements(SpecValues) from value in Gen.Elements(spec.Values)
            select new ScenarioEdit("set", spec.Path, value.StartsWith('[') ? value : JsonConvert.ToString(value))));

    private static Gen<ScenarioEdit> TextEdit { get; } = Gen.OneOf(
        Gen.Elements("seed", "task", "defences", "budget").Select(k => new ScenarioEdit("duplicate", "", k)),
        Gen.Elements("FF", "C080", "80", "EDA080", "F4908080", "C3A9", "F09F9880").Select(h => new ScenarioEdit("bytes", "", h)),
        Gen.Elements("0", "0.3", "0.5", "0.97").Select(f => new ScenarioEdit("truncate", "", f)),
        Gen.Elements("10", "62", "63", "64", "65", "200").Select(d => new ScenarioEdit("nest", "", d)),
        Gen.Elements("}", "x", "\n// comment\n", "{}", "\u0000").Select(t => new ScenarioEdit("append", "", t)),
        Gen.Constant(new ScenarioEdit("bom", "", "")),
        Gen.Constant(new ScenarioEdit("empty", "", "")),
        Gen.Elements("\"\\ud800\"", "\"\\udc00x\"", "NaN", "-Infinity").Select(v => new ScenarioEdit("set", "name", v)));

    /// <summary>Hostile scenarios as described on the class.</summary>
    public static Gen<HostileScenario> HostileScenarios { get; } =
        from count in Gen.Choose(1, 3)
        from edits in Gen.ArrayOf(Gen.Frequency((6, SetEdit), (2, TextEdit)), count)
        from throughSet in Gen.Elements(false, true)
        select new HostileScenario(edits, throughSet);

    public static Arbitrary<HostileScenario> Scenarios() => Arb.From(HostileScenarios,
        s => Enumerable.Range(0, s.Edits.Length).Where(_ => s.Edits.Length > 1).Select(i => s with { Edits = [.. s.Edits[..i], .. s.Edits[(i + 1)..]] }));

    /// <summary>Shapes around every overflow and range edge of the reader.</summary>
    public static readonly string[] NpyShapes =
    [
        "(4, 3)", "(1, 1)", "(0, 3)", "(3, 0)", "(3,)", "()", "(2, 2, 2)", "(4611686018427387905, 4)", "(4294967297, 4294967295)",
        "(9223372036854775807, 1)", "(99999999999999999999, 1)", "(2147483648, 1)", "(1, 2147483648)", "(2147483647, 2)", "(-1, 3)", "(3L, 4L)",
        "(a, b)", "[4, 3]", "(4, 3", "(268435456, 8)",
    ];

    /// <summary>Hostile .npy files as described on the class.</summary>
    public static Gen<HostileNpy> HostileNpys { get; } =
        from badMagic in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
        from major in Gen.Frequency((6, Gen.Constant(1)), (2, Gen.Elements(2, 3)), (1, Gen.Elements(0, 4)))
        from minor in Gen.Frequency((9, Gen.Constant(0)), (1, Gen.Constant(1)))
        from descr in Gen.Frequency((6, Gen.Elements("'<f4'", "'<f8'", "'>f4'", "'>f8'")), (1, Gen.Elements("'<i4'", "'|u1'", "'<f2'", "[('a', '<f4')]", "4")))
        from fortran in Gen.Frequency((8, Gen.Constant("False")), (1, Gen.Elements("True", "0", "'False'")))
        from shape in Gen.Elements(NpyShapes)
        from lie in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
        from dataDelta in Gen.Elements(0, 0, 0, -1, 1, 16, -4)
        from rule in Gen.Elements("mean", "median", "krum:f=1", "geometric-median:variant=fedlib", "trimmed-mean:b=1")
        select new HostileNpy(badMagic, major, minor, descr, fortran, shape, lie, DataLength(shape, descr, dataDelta), rule);

    /// <summary>The shape's value count × item size plus <paramref name="delta"/>, or 16 bytes when that would be large.</summary>
    private static int DataLength(string shape, string descr, int delta)
    {
        int item = descr.Contains('8', StringComparison.Ordinal) ? 8 : 4;
        var dims = shape.Trim('(', ')', '[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        decimal product = 1;
        foreach (string d in dims)
        {
            if (!decimal.TryParse(d.TrimEnd('L'), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out decimal v)) return 16;
            product *= v;
            if (product > 1 << 16) return 16;
        }
        return (int)Math.Max(0, product * item + delta);
    }

    public static Arbitrary<HostileNpy> Npys() => Arb.From(HostileNpys);

    /// <summary>Values a trace field is edited to.</summary>
    public static readonly string[] TraceValues =
    [
        "-1", "0", "1", "2147483648", "9223372036854775807", "9223372036854775808", "99999999999999999999999", "1.5", "1e400", "NaN",
        "\"x\"", "\"NaN\"", "null", "true", "[]", "[-1]", "[99999999999999999999]", "{}", "\"\"",
    ];

    /// <summary>Trace edits as described on the class.</summary>
    public static Gen<TraceEdit> TraceEdits { get; } =
        from kind in Gen.Frequency(
            (6, Gen.Constant("field")), (1, Gen.Constant("delete-field")), (1, Gen.Constant("duplicate-field")), (1, Gen.Constant("delete-line")),
            (1, Gen.Constant("swap-lines")), (1, Gen.Constant("bytes")), (1, Gen.Constant("truncate")), (1, Gen.Constant("empty-line")), (2, Gen.Constant("index")))
        from line in Gen.Choose(0, 100_000)
        from field in Gen.Choose(0, 30)
        from value in Gen.Elements(TraceValues)
        from rehash in Gen.Elements(false, true)
        from command in Gen.Frequency((3, Gen.Constant("export")), (3, Gen.Constant("messages")), (1, Gen.Constant("exact")), (1, Gen.Constant("counterfactual")))
        select new TraceEdit(kind, line, field, value, rehash, command);

    public static Arbitrary<TraceEdit> Traces() => Arb.From(TraceEdits);

    /// <summary>
    /// Output path conditions: missing (with missing parents), an empty folder, a previous output of the same command,
    /// a folder holding a file SimByz did not write, a regular file, <c>/dev/null</c>, a symbolic link to a folder,
    /// to a file and a dangling one, names of 230, 231 and 300 bytes, the empty path, a path under a file, the root
    /// folder, a trailing separator, a path another owner holds, leftovers of a killed process (a working copy and a
    /// lock file nobody holds), and a previous output left aside by a process killed half-way through replacing it.
    /// </summary>
    public static readonly string[] OutputTargets =
    [
        "missing", "missing-parents", "empty-folder", "previous-output", "foreign-file-inside", "is-file", "dev-null", "symlink-to-folder",
        "symlink-to-file", "dangling-symlink", "name-230", "name-231", "name-300", "empty-path", "under-a-file", "root", "trailing-separator",
        "held", "stale-copies", "old-copy-aside",
    ];

    public static Arbitrary<OutputCondition> Outputs() => Arb.From(
        from target in Gen.Elements(OutputTargets)
        from command in Gen.Frequency((4, Gen.Constant("run")), (2, Gen.Constant("export")), (2, Gen.Constant("messages")), (1, Gen.Constant("sweep")))
        select new OutputCondition(target, command));
}
