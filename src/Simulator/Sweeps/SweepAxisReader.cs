using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SimByz.Attacks;
using SimByz.Scheduler;
using SimByz.Simulator.Composition;
using SimByz.Simulator.Scenarios;
using SimByz.Specs;

namespace SimByz.Simulator.Sweeps;

/// <summary>
/// Reads the <c>axes</c> object of a grid into its dimensions and columns (see <see cref="SweepGrid"/>),
/// checking every value on its own against the base scenario.
/// </summary>
internal sealed class SweepAxisReader
{
    /// <summary>Fields a path axis may not set, with the axis to use instead (the shorthands own them; the rest do not change results).</summary>
    private static readonly (string Path, string Instead)[] Reserved =
    [
        ("byzantine.attack", "the attacks axis"),
        ("byzantine.dataAttack", "the attacks axis"),
        ("name", "nothing: the name does not change results"),
        ("description", "nothing: the description does not change results"),
        ("plugins", "the grid's \"plugins\""),
    ];

    private readonly string _source;
    private readonly JObject _baseJson;
    private readonly Scenario _base;
    private readonly JObject _resolvedBase;
    private readonly string _baseDirectory;
    private readonly ComponentCatalogs _catalogs;

    public SweepAxisReader(string source, JObject baseJson, Scenario baseScenario, string baseDirectory, ComponentCatalogs catalogs)
    {
        _source = source;
        _baseJson = baseJson;
        _base = baseScenario;
        _resolvedBase = baseScenario.ToJson();
        _baseDirectory = baseDirectory;
        _catalogs = catalogs;
    }

    private SimByzException Error(string path, string detail) => SimByzException.At(_source, path, detail);

    public (IReadOnlyList<SweepAxis> Axes, IReadOnlyList<SweepField> Columns) Read(JObject axesJson)
    {
        // Fields first: a q value is checked against workers.count only when no axis changes the count.
        var declared = new List<(string Key, string Path, IReadOnlyList<SweepField> Fields, JToken Values)>();
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in axesJson.Properties())
        {
            string key = property.Name;
            string path = SweepAxis.PathOf(key);
            string[] names = key.Split('+');
            var fields = new List<SweepField>();
            foreach (string raw in names)
            {
                string name = raw.Trim();
                if (name.Length == 0) throw Error(path, $"'{key}': empty field name (a linked axis joins field paths with +, e.g. \"q+defences\")");
                var field = FieldOf(name, path);
                foreach (var (other, otherPath) in owner)
                {
                    if (Overlaps(other, field.Name))
                    {
                        throw Error(path, other == field.Name
                            ? $"{Describe(field)} is already varied by {otherPath}"
                            : $"'{field.Name}' overlaps '{other}' of {otherPath}: vary a field in one axis only");
                    }
                }
                owner[field.Name] = path;
                fields.Add(field);
            }
            declared.Add((key, path, fields, property.Value));
        }
        bool countVaries = owner.ContainsKey("workers.count") || owner.ContainsKey("workers");

        var axes = new List<SweepAxis>();
        var given = new Dictionary<SweepFieldKind, SweepAxis>();
        foreach (var (key, path, fields, token) in declared)
        {
            if (token is not JArray array) throw Error(path, $"expected an array of values, got {JsonFields.Describe(token)}");
            if (array.Count == 0) throw Error(path, "is empty: give at least one value, or leave the axis out to use the base scenario's value");
            var values = new List<IReadOnlyList<SweepValue>>(array.Count);
            var seen = new Dictionary<string, int>(array.Count, StringComparer.Ordinal);
            for (int i = 0; i < array.Count; i++)
            {
                string valuePath = $"{path}[{i}]";
                IReadOnlyList<JToken> items;
                if (fields.Count == 1)
                {
                    items = [array[i]];
                }
                else
                {
                    if (array[i] is not JArray tuple || tuple.Count != fields.Count)
                    {
                        throw Error(valuePath, $"expected an array of {fields.Count} values ({string.Join(", ", fields.Select(f => f.Name))}), got {JsonFields.Describe(array[i])}");
                    }
                    items = tuple.ToList();
                }
                var value = new List<SweepValue>();
                for (int f = 0; f < fields.Count; f++)
                {
                    value.Add(ReadValue(fields[f], items[f], fields.Count == 1 ? valuePath : $"{valuePath}[{f}]", countVaries));
                }
                // A hash of the values, not a comparison with each earlier one: an axis may hold 10⁵ seeds.
                string identity = string.Join('\u001f', value.Select(v => v.Json.Type + ":" + v.Json.ToString(Formatting.None)));
                if (!seen.TryAdd(identity, i))
                {
                    throw Error(valuePath, $"repeats {path}[{seen[identity]}] ({string.Join(", ", value.Select(v => v.Label))})");
                }
                values.Add(value);
            }
            var axis = new SweepAxis(key, fields, values, true);
            if (fields.Any(f => f.Kind == SweepFieldKind.Q) && _base.Byzantine.Select == "explicit")
            {
                throw Error(path, "the base scenario names its Byzantine workers (byzantine.select \"explicit\"); a q axis needs select \"first\" or \"random\"");
            }
            foreach (var field in fields.Where(f => f.Kind != SweepFieldKind.Path)) given[field.Kind] = axis;
            if (fields.Count == 1 && fields[0].Kind != SweepFieldKind.Path) continue; // a plain shorthand takes its fixed place below
            axes.Add(axis);
        }
        foreach (var shorthand in SweepField.Shorthands.OrderBy(ShorthandOrder))
        {
            if (given.TryGetValue(shorthand.Kind, out var axis))
            {
                if (!axis.IsLinked) axes.Add(axis);
            }
            else
            {
                axes.Add(FromBase(shorthand));
            }
        }
        var columns = new List<SweepField>(SweepField.Shorthands);
        foreach (var (_, _, fields, _) in declared) columns.AddRange(fields.Where(f => f.Kind == SweepFieldKind.Path));
        return (axes, columns);
    }

    /// <summary>Dimension order of the shorthands: q, delays, attacks, defences, seeds (seeds innermost).</summary>
    private static int ShorthandOrder(SweepField f) => f.Kind switch
    {
        SweepFieldKind.Q => 0,
        SweepFieldKind.Delay => 1,
        SweepFieldKind.Attack => 2,
        SweepFieldKind.Defence => 3,
        _ => 4,
    };

    private static string Describe(SweepField f) => f.Kind == SweepFieldKind.Path ? $"'{f.Name}'" : $"the {f.Name} field";

    private static bool Overlaps(string a, string b)
        => a == b || a.StartsWith(b + ".", StringComparison.Ordinal) || b.StartsWith(a + ".", StringComparison.Ordinal);

    private SweepField FieldOf(string name, string axisPath)
    {
        switch (name)
        {
            case "q" or "byzantine.count": return SweepField.Shorthands[0];
            case "delays" or "workers.compute": return SweepField.Shorthands[1];
            case "attacks": return SweepField.Shorthands[2];
            case "defences": return SweepField.Shorthands[3];
            case "seeds" or "seed": return SweepField.Shorthands[4];
        }
        foreach (var (reserved, instead) in Reserved)
        {
            if (Overlaps(reserved, name)) throw Error(axisPath, $"'{name}' cannot be an axis field: use {instead}");
        }
        if (Overlaps("byzantine.count", name) || Overlaps("workers.compute", name) || Overlaps("seed", name) || Overlaps("defences", name))
        {
            throw Error(axisPath, $"'{name}' contains a field of a shorthand axis (q, delays, seeds, defences): vary the shorthand instead");
        }
        // A field is known when the fully resolved base scenario has it (every field, defaults filled in).
        JToken node = _resolvedBase;
        string[] keys = name.Split('.');
        for (int i = 0; i < keys.Length; i++)
        {
            if (node is not JObject obj || obj.Property(keys[i], StringComparison.Ordinal) is not { } property)
            {
                string parent = i == 0 ? "the scenario" : string.Join('.', keys[..i]);
                string allowed = node is JObject o ? string.Join(", ", o.Properties().Select(p => p.Name).Order(StringComparer.Ordinal)) : "none: not an object";
                throw Error(axisPath, $"'{name}' is not a scenario field: {parent} has no field '{keys[i]}' (fields there: {allowed}; shorthand axes: attacks, defences, delays, q, seeds)");
            }
            node = property.Value;
        }
        return new SweepField(name, SweepFieldKind.Path);
    }

    private SweepValue ReadValue(SweepField field, JToken token, string path, bool countVaries)
    {
        switch (field.Kind)
        {
            case SweepFieldKind.Q:
            {
                long q = Integer(token, path);
                int n = _base.Workers.Count;
                if (q < 0 || (!countVaries && q >= n)) throw Error(path, $"q = {q}: expected 0 ≤ q < workers.count = {n} (at least one worker must be honest)");
                if (q > int.MaxValue) throw Error(path, $"q = {q} is out of range");
                return new SweepValue(q.ToString(System.Globalization.CultureInfo.InvariantCulture), new JValue(q));
            }
            case SweepFieldKind.Seed:
            {
                if (token.Type != JTokenType.Integer) throw Error(path, $"expected an integer, got {JsonFields.Describe(token)}");
                ulong seed;
                try
                {
                    seed = (ulong)token;
                }
                catch (OverflowException)
                {
                    throw Error(path, $"{token.ToString(Formatting.None)} is out of range: expected 0 ≤ value ≤ {ulong.MaxValue}");
                }
                return new SweepValue(seed.ToString(System.Globalization.CultureInfo.InvariantCulture), new JValue(seed));
            }
            case SweepFieldKind.Defence:
            {
                string spec = Text(token, path);
                return new SweepValue(spec, new JValue(spec));
            }
            case SweepFieldKind.Delay:
            {
                string spec = Text(token, path);
                At(path, () => DelayModelCatalog.Parse(spec, _catalogs.Delays));
                return new SweepValue(spec, new JValue(spec));
            }
            case SweepFieldKind.Attack:
            {
                string spec = Text(token, path);
                return new SweepValue(spec, new JValue(spec), ReadAttack(spec, path));
            }
            default:
            {
                if (token.Type == JTokenType.Null) throw Error(path, "null is not a value: give the field's value");
                // Applied exactly as `--set PATH=VALUE` would, then the base with it parsed as a scenario.
                var probe = (JObject)_baseJson.DeepClone();
                try
                {
                    ScenarioLoader.ApplySet(probe, field.Name + "=" + token.ToString(Formatting.None));
                    ScenarioLoader.Parse(probe, "scenario", _baseDirectory);
                }
                catch (SimByzException ex)
                {
                    string own = "$." + field.Name;
                    throw Error(path, ex.JsonPath is null || ex.JsonPath == own ? ex.Detail : $"{ex.JsonPath}: {ex.Detail}");
                }
                string label = token.Type == JTokenType.String ? (string)token! : token.ToString(Formatting.None);
                return new SweepValue(label, token.DeepClone());
            }
        }
    }

    private SweepAttack ReadAttack(string spec, string path)
    {
        if (spec == "none") return new SweepAttack("none", null, null, FromBase: false);
        var attacks = _catalogs.Attacks;
        var gradientNames = attacks.GradientAttacks.Select(i => i.Name).ToList();
        var dataNames = attacks.DataAttacks.Select(i => i.Name).ToList();
        return At(path, () =>
        {
            string attackName = ComponentSpec.Parse(spec, "attack").Name;
            var context = new AttackBuildContext(_base.Seed, _base.Byzantine.Count, _catalogs.Aggregators);
            if (dataNames.Contains(attackName, StringComparer.Ordinal))
            {
                attacks.CreateDataAttack(spec, context);
                return new SweepAttack(spec, null, spec, FromBase: false);
            }
            if (gradientNames.Contains(attackName, StringComparer.Ordinal))
            {
                attacks.CreateGradientAttack(spec, context);
                return new SweepAttack(spec, spec, null, FromBase: false);
            }
            throw new SimByzException($"unknown attack '{attackName}' (gradient attacks: {string.Join(", ", gradientNames)}; data attacks: {string.Join(", ", dataNames)}; or none)");
        });
    }

    private SweepAxis FromBase(SweepField field)
    {
        var b = _base;
        IReadOnlyList<SweepValue> values = field.Kind switch
        {
            SweepFieldKind.Q => [new SweepValue(b.Byzantine.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), new JValue(b.Byzantine.Count))],
            SweepFieldKind.Delay => [new SweepValue(b.Workers.Compute, new JValue(b.Workers.Compute))],
            SweepFieldKind.Seed => [new SweepValue(b.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), new JValue(b.Seed))],
            SweepFieldKind.Defence => b.Defences.Select(d => new SweepValue(d, new JValue(d))).ToList(),
            _ => [BaseAttack()],
        };
        string key = field.Kind switch
        {
            SweepFieldKind.Q => "q",
            SweepFieldKind.Delay => "delays",
            SweepFieldKind.Seed => "seeds",
            SweepFieldKind.Defence => "defences",
            _ => "attacks",
        };
        return new SweepAxis(key, [field], values.Select(v => (IReadOnlyList<SweepValue>)[v]).ToList(), false);
    }

    private SweepValue BaseAttack()
    {
        var b = _base.Byzantine;
        string label = (b.Attack, b.DataAttack) switch
        {
            (null, null) => "none",
            ({ } g, null) => g,
            (null, { } d) => d,
            ({ } g, { } d) => g + " & " + d,
        };
        return new SweepValue(label, new JValue(label), new SweepAttack(label, b.Attack, b.DataAttack, FromBase: true));
    }

    private string Text(JToken token, string path)
    {
        if (token.Type != JTokenType.String) throw Error(path, $"expected a string, got {JsonFields.Describe(token)}");
        string s = ((string)token!).Trim();
        if (s.Length == 0) throw Error(path, "is empty");
        return s;
    }

    private long Integer(JToken token, string path)
    {
        if (token.Type != JTokenType.Integer) throw Error(path, $"expected an integer, got {JsonFields.Describe(token)}");
        try
        {
            return (long)token;
        }
        catch (OverflowException)
        {
            throw Error(path, "integer out of range");
        }
    }

    private T At<T>(string path, Func<T> check)
    {
        try
        {
            return check();
        }
        catch (SimByzException ex)
        {
            throw Error(path, ex.Message);
        }
    }

    private void At(string path, Action check) => At(path, () => { check(); return 0; });
}
