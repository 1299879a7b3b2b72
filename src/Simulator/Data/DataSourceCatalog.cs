using SimByz.Scheduler;
using SimByz.Simulator.Data.Readers;
using SimByz.Simulator.Data.Synthetic;
using SimByz.Specs;

namespace SimByz.Simulator.Data;

/// <summary>
/// The data sources by stable name, built from a spec in the grammar of <see cref="ComponentSpec"/>,
/// e.g. <c>gaussian-mixture:classes=10,features=20,train=20000,test=2000,separation=3</c>,
/// <c>fashion-mnist:limit=10000</c>, <c>idx:images=PATH,labels=PATH</c>, <c>cifar10:path=DIR</c>.
/// </summary>
/// <remarks>
/// <para>Synthetic sources draw from the stream (root seed, <see cref="StreamPurpose.DataGeneration"/>, 0).
/// File sources share the parameters <c>limit</c> / <c>test-limit</c> (keep that many examples,
/// 0 = all), <c>subset</c> (<c>first</c>, the default: the first N in file order; <c>seeded</c>: a
/// uniformly random N, drawn from (seed, data.generate, 1) for training and (seed, data.generate, 2)
/// for test, kept in file order) and <c>standardize</c> (default false: features stay in [0, 1];
/// true: global standardization, (v − μ)/σ with μ, σ over every pixel of the kept training set,
/// applied to both sets). File paths cannot contain ',', '+' or ':' (the spec grammar).</para>
/// <para>Entries are listed in a fixed order. Thread-safe (immutable).</para>
/// </remarks>
public static class DataSourceCatalog
{
    private static readonly ParameterInfo[] FileParameters =
    [
        new("limit", "integer ≥ 0", "0", "keep this many training examples (0 = all)"),
        new("test-limit", "integer ≥ 0", "0", "keep this many test examples (0 = all)"),
        new("subset", "first | seeded", "first", "which examples a limit keeps: the first N, or a seeded random N (kept in file order)"),
        new("standardize", "bool", "false", "false: features in [0,1]; true: (v − μ)/σ with global μ, σ of the kept training set"),
    ];

    /// <summary>SimByz's built-in data sources, in the order of <c>simbyz list</c>.</summary>
    public static ComponentCatalog<NoContext, DataLoader> BuiltIn { get; } = new ComponentCatalog<NoContext, DataLoader>("data source")
        .Add(new ComponentInfo("gaussian-mixture",
            "classification: C class means uniform on a sphere of radius `separation`, features = mean + N(0, I), labels uniform",
            "synthetic", "any",
            [
                new("classes", "integer in [2, 1000]", "10", "number of classes C"),
                new("features", "integer ≥ 1", "20", "number of features d"),
                new("train", "integer ≥ 1", "20000", "training examples"),
                new("test", "integer ≥ 0", "2000", "test examples (0: split one off the training data)"),
                new("separation", "number ≥ 0", "3", "radius of the sphere of class means"),
            ]), (p, _) => ParseMixture(p))
        .Add(new ComponentInfo("linear-teacher",
            "regression: x ~ N(0, I), y = w*·x + b* + noise·N(0,1), w*_j ~ N(0, 1/d), b* ~ N(0,1)",
            "synthetic", "any",
            [
                new("features", "integer ≥ 1", "20", "number of features d"),
                new("train", "integer ≥ 1", "10000", "training examples"),
                new("test", "integer ≥ 0", "1000", "test examples (0: split one off the training data)"),
                new("noise", "number ≥ 0", "0.1", "standard deviation σ of the label noise"),
            ]), (p, _) => ParseTeacher(p))
        .Add(new ComponentInfo("quadratic",
            "points z_i = c + spread·N(0, I) around a centre c ~ N(0, I), for the quadratic model (optimum: the mean point)",
            "synthetic", "any",
            [
                new("features", "integer ≥ 1", "10", "dimension d"),
                new("train", "integer ≥ 1", "1000", "training points"),
                new("test", "integer ≥ 0", "100", "test points (0: split one off the training data)"),
                new("spread", "number ≥ 0", "1", "standard deviation of the points around the centre"),
            ]), (p, _) => ParseQuadratic(p))
        .Add(new ComponentInfo("fashion-mnist",
            "Fashion-MNIST, 28×28 grey images, 10 classes, 60000 train / 10000 test, pixels scaled to [0,1]",
            "Xiao et al. 2017; Debian package dataset-fashion-mnist", "any",
            [new("dir", "directory", FashionMnist.DefaultDirectory, "directory holding the four IDX files"), .. FileParameters]), (p, _) => ParseFashion(p))
        .Add(new ComponentInfo("idx",
            "any IDX image/label pair (MNIST format, raw or gzip); images ubyte scaled to [0,1], labels ubyte",
            "LeCun et al., MNIST format", "any",
            [
                new("images", "path", "required", "training images"),
                new("labels", "path", "required", "training labels"),
                new("test-images", "path", "none", "test images (without them a test set is split off)"),
                new("test-labels", "path", "none", "test labels"),
                new("classes", "integer ≥ 0", "0", "number of classes (0: largest label + 1)"),
                .. FileParameters,
            ]), (p, _) => ParseIdx(p))
        .Add(new ComponentInfo("cifar10",
            "CIFAR-10 binary version: data_batch_1..5.bin and test_batch.bin, 3072 features (channel-major) scaled to [0,1], 10 classes",
            "Krizhevsky 2009", "any",
            [new("path", "directory", "required", "directory holding the binary batch files"), .. FileParameters]), (p, _) => ParseCifar(p))
;

    /// <summary>Every built-in data source, in the order of <c>simbyz list</c>.</summary>
    public static IReadOnlyList<ComponentInfo> Sources => BuiltIn.Infos;

    /// <summary>Checks <paramref name="spec"/> (name and parameters) without loading anything.</summary>
    /// <exception cref="SimByzException">Unknown source or bad parameter.</exception>
    public static void Validate(string spec, ComponentCatalog<NoContext, DataLoader>? catalog = null) => Parse(spec, catalog ?? BuiltIn);

    /// <summary>The name of the source in <paramref name="spec"/>.</summary>
    public static string NameOf(string spec) => ComponentSpec.Parse(spec, "data").Name;

    /// <summary>Loads (or generates) the data of <paramref name="spec"/> with root seed <paramref name="seed"/>.</summary>
    /// <exception cref="SimByzException">Bad spec, missing or malformed file.</exception>
    public static LoadedData Load(string spec, ulong seed, ComponentCatalog<NoContext, DataLoader>? catalog = null) => Parse(spec, catalog ?? BuiltIn)(seed);

    private static DataLoader Parse(string spec, ComponentCatalog<NoContext, DataLoader> catalog)
        => catalog.Create(ComponentSpec.Parse(spec, "data"), default);

    private static RandomStream Generator(ulong seed) => RandomStreams.Derive(seed, StreamPurpose.DataGeneration, 0);

    /// <summary>
    /// The shape of the data <paramref name="spec"/> loads, known without loading it: from the parameters
    /// of a synthetic source, the headers or sizes of a file source's files. Null for a plug-in source,
    /// or when the files cannot be read (loading then says why).
    /// </summary>
    public static DataShape? ShapeOf(string spec, ComponentCatalog<NoContext, DataLoader>? catalog = null)
    {
        ComponentSpec c;
        try
        {
            c = ComponentSpec.Parse(spec, "data");
        }
        catch (SimByzException)
        {
            return null;
        }
        if (!ReferenceEquals(catalog?.Find(c.Name) ?? BuiltIn.Find(c.Name), BuiltIn.Find(c.Name))) return null;
        var p = c.Read("data");
        try
        {
            switch (c.Name)
            {
                case "gaussian-mixture":
                {
                    var m = MixtureSize(p);
                    return new DataShape((long)m.Train + m.Test, m.Features, m.Classes);
                }
                case "linear-teacher":
                {
                    var t = TeacherSize(p);
                    return new DataShape((long)t.Train + t.Test, t.Features, 1);
                }
                case "quadratic":
                {
                    var q = QuadraticSize(p);
                    return new DataShape((long)q.Train + q.Test, q.Features, 1);
                }
                case "fashion-mnist":
                    return new DataShape(70_000, 28 * 28, 10);
                case "cifar10":
                {
                    string dir = p.GetString("path", "");
                    long bytes = Cifar10Reader.TrainFiles.Append(Cifar10Reader.TestFile).Sum(f => FileLength(Path.Combine(dir, f)));
                    return new DataShape(bytes / 3073, 3072, 10);
                }
                case "idx":
                {
                    var (train, features) = IdxDimensions(p.GetString("images", ""));
                    var (test, _) = IdxDimensions(p.GetString("test-images", ""));
                    return new DataShape(train + test, features, Math.Max(2, p.GetInt("classes", 0, 0, 1000)));
                }
                default:
                    return null;
            }
        }
        catch (Exception ex) when (ex is SimByzException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long FileLength(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>The item count and the values per item in an IDX file's header (raw or gzip); (0, 1) when absent or unreadable.</summary>
    private static (long Count, int PerItem) IdxDimensions(string path)
    {
        if (path.Length == 0 || !File.Exists(path)) return (0, 1);
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress) : file;
        Span<byte> header = stackalloc byte[4 + 4 * 4];
        int rank;
        try
        {
            stream.ReadExactly(header[..4]);
            rank = header[3];
            if (rank is < 1 or > 4) return (0, 1);
            stream.ReadExactly(header.Slice(4, 4 * rank));
        }
        catch (Exception ex) when (ex is EndOfStreamException or InvalidDataException)
        {
            return (0, 1);
        }
        long count = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        long perItem = 1;
        for (int k = 1; k < rank; k++) perItem = Math.Min(int.MaxValue, perItem * System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header[(4 + 4 * k)..]));
        return (count, (int)Math.Max(1, perItem));
    }

    private static (int Classes, int Features, int Train, int Test) MixtureSize(SpecParameters p)
        => (p.GetInt("classes", 10, 2, 1000), p.GetInt("features", 20, 1, 1_000_000), p.GetInt("train", 20000, 1, 100_000_000), p.GetInt("test", 2000, 0, 100_000_000));

    private static (int Features, int Train, int Test) TeacherSize(SpecParameters p)
        => (p.GetInt("features", 20, 1, 1_000_000), p.GetInt("train", 10000, 1, 100_000_000), p.GetInt("test", 1000, 0, 100_000_000));

    private static (int Features, int Train, int Test) QuadraticSize(SpecParameters p)
        => (p.GetInt("features", 10, 1, 1_000_000), p.GetInt("train", 1000, 1, 100_000_000), p.GetInt("test", 100, 0, 100_000_000));

    private static DataLoader ParseMixture(SpecParameters p)
    {
        var (classes, features, train, test) = MixtureSize(p);
        double separation = p.GetDouble("separation", 3, 0, 1e6);
        return seed => SyntheticData.GaussianMixture(classes, features, train, test, separation, Generator(seed), out _);
    }

    private static DataLoader ParseTeacher(SpecParameters p)
    {
        var (features, train, test) = TeacherSize(p);
        double noise = p.GetDouble("noise", 0.1, 0, 1e6);
        return seed => SyntheticData.LinearTeacher(features, train, test, noise, Generator(seed), out _);
    }

    private static DataLoader ParseQuadratic(SpecParameters p)
    {
        var (features, train, test) = QuadraticSize(p);
        double spread = p.GetDouble("spread", 1, 0, 1e6);
        return seed => SyntheticData.QuadraticPoints(features, train, test, spread, Generator(seed));
    }

    private sealed record FileOptions(int Limit, int TestLimit, bool Seeded, bool Standardize)
    {
        public static FileOptions Read(SpecParameters p) => new(
            p.GetInt("limit", 0, 0, int.MaxValue),
            p.GetInt("test-limit", 0, 0, int.MaxValue),
            p.GetChoice("subset", "first", "first", "seeded") == "seeded",
            p.GetBool("standardize", false));

        public LoadedData Apply(LoadedData data, ulong seed)
        {
            var train = Keep(data.Train, Limit, RandomStreams.Derive(seed, StreamPurpose.DataGeneration, 1));
            var test = data.Test is null ? null : Keep(data.Test, TestLimit, RandomStreams.Derive(seed, StreamPurpose.DataGeneration, 2));
            string description = data.Description;
            if (!ReferenceEquals(train, data.Train) || !ReferenceEquals(test, data.Test))
            {
                description += $"; kept {train.Count} train" + (test is null ? "" : $", {test.Count} test") + (Seeded ? " (seeded subset)" : " (first N)");
            }
            if (Standardize)
            {
                // Within a sweep the loaded sets are shared by its seeds (FileDataCache): standardize copies, never them.
                if (ReferenceEquals(train, data.Train)) train = train.Select(DatasetOps.AllRows(train.Count));
                if (test is not null && ReferenceEquals(test, data.Test)) test = test.Select(DatasetOps.AllRows(test.Count));
                var (mean, sd) = DatasetOps.StandardizeInPlace(train, train, test);
                description += $"; standardized with mean {mean:G6}, std {sd:G6}";
            }
            return new LoadedData(train, test, description);
        }

        private Dataset Keep(Dataset data, int limit, RandomStream rng)
            => limit <= 0 || limit >= data.Count ? data : data.Select(DatasetOps.LimitRows(data.Count, limit, Seeded, rng));
    }

    private static DataLoader ParseFashion(SpecParameters p)
    {
        string dir = p.GetString("dir", FashionMnist.DefaultDirectory);
        var options = FileOptions.Read(p);
        return seed => options.Apply(FashionMnist.Load(dir), seed);
    }

    private static DataLoader ParseIdx(SpecParameters p)
    {
        if (!p.Has("images") || !p.Has("labels")) throw new SimByzException("data 'idx': parameters 'images' and 'labels' are required (paths of IDX files)");
        string images = p.GetString("images", ""), labels = p.GetString("labels", "");
        bool hasTest = p.Has("test-images"), hasTestLabels = p.Has("test-labels");
        if (hasTest != hasTestLabels) throw new SimByzException("data 'idx': give both 'test-images' and 'test-labels', or neither");
        string testImages = p.GetString("test-images", ""), testLabels = p.GetString("test-labels", "");
        int classes = p.GetInt("classes", 0, 0, 1000);
        if (classes == 1) throw new SimByzException("data 'idx': parameter 'classes' is 1; a classification task needs at least 2 (or 0: the largest label + 1)");
        var options = FileOptions.Read(p);
        return seed =>
        {
            var train = IdxReader.LoadDatasetShared(images, labels, classes);
            Dataset? test = null;
            if (hasTest)
            {
                test = IdxReader.LoadDatasetShared(testImages, testLabels, classes);
                if (test.FeatureCount != train.FeatureCount) throw new SimByzException($"data 'idx': {testImages} has {test.FeatureCount} pixels per image, {images} has {train.FeatureCount}");
                if (test.ClassCount != train.ClassCount)
                {
                    // Labels decide the class count when not given: use the larger for both.
                    int c = Math.Max(test.ClassCount, train.ClassCount);
                    train = train.WithClassCount(c);
                    test = test.WithClassCount(c);
                }
            }
            var loaded = new LoadedData(train, test, $"idx: {train.Count} train" + (test is null ? "" : $", {test.Count} test") + $", {train.FeatureCount} features, {train.ClassCount} classes");
            return options.Apply(loaded, seed);
        };
    }

    private static DataLoader ParseCifar(SpecParameters p)
    {
        if (!p.Has("path")) throw new SimByzException("data 'cifar10': parameter 'path' is required (the directory of the binary batch files)");
        string path = p.GetString("path", "");
        var options = FileOptions.Read(p);
        return seed => options.Apply(Cifar10Reader.ReadDirectoryShared(path), seed);
    }
}
