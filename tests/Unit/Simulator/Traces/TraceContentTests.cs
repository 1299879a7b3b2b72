using Newtonsoft.Json.Linq;
using SimByz.Simulator.Traces;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Traces;

public class TraceContentTests
{
    [Fact]
    public void Record_AnyThreadCount_ByteIdentical()
    {
        var scenario = TraceFixtures.Golden("golden-sync");
        var one = TraceFixtures.Record(scenario, threads: 1);
        var three = TraceFixtures.Record(scenario, threads: 3);
        Assert.Equal(one.Text(), three.Text());
    }

    [Fact]
    public void Record_SyncScenario_HeaderSectionsAndEndAsDocumented()
    {
        var lines = TraceFixtures.Sync.Lines;
        var header = JObject.Parse(lines[0]);
        Assert.Equal("header", header.Value<string>("type"));
        Assert.Equal("simbyz-trace", header.Value<string>("format"));
        Assert.Equal(1, header.Value<int>("version"));
        Assert.Equal(64, header.Value<string>("configHash")!.Length);
        Assert.Equal("{\"type\":\"run\",\"index\":0,\"defence\":\"mean\"}", lines[1]);
        var end = JObject.Parse(lines[^1]);
        Assert.Equal(lines.Count - 1, end.Value<int>("records"));
        Assert.Equal(3, end.Value<int>("runs"));
        Assert.Equal(TraceContent.HashLines(lines, lines.Count - 1), end.Value<string>("hash"));
        var types = lines.Concat(TraceFixtures.Async.Lines).Select(l => JObject.Parse(l).Value<string>("type")).ToHashSet();
        foreach (string t in new[] { "dispatch", "compute", "arrive", "resolve", "aggregate", "update", "eval", "crash", "recover" }) Assert.Contains(t, types);
        Assert.Equal(lines.Count(l => l.StartsWith("{\"type\":\"arrive\"", StringComparison.Ordinal)), end["counts"]!.Value<int>("arrive"));
    }

    [Fact]
    public void Record_ArriveRecord_CarriesRoleStalenessNormAndHash()
    {
        var arrive = TraceFixtures.Sync.Lines.Select(l => JObject.Parse(l)).First(r => r.Value<string>("type") == "arrive" && r.Value<string>("role") == "byzantine");
        Assert.Equal(0, arrive.Value<long>("staleness"));
        Assert.True(arrive.Value<double>("norm") > 0);
        Assert.Matches("^[0-9a-f]{16}$", arrive.Value<string>("hash")!);
    }

    [Fact]
    public void Hash_KnownVector_IsTruncatedSha256OfLittleEndianBytes()
    {
        // SHA-256 of the 4 bytes 00 00 80 3f (1.0f little-endian).
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(new byte[] { 0, 0, 0x80, 0x3f }))[..16];
        Assert.Equal(expected, TraceHash.Of([1.0f]));
    }

    [Fact]
    public void TraceLine_NonFiniteAndEscapes_WrittenAsValidJson()
    {
        string line = new TraceLine("x").Num("a", double.NaN).Num("b", 0.1).Str("c", "q\"\\\n").Str("d", null).ToString();
        Assert.Equal("{\"type\":\"x\",\"a\":\"NaN\",\"b\":0.1,\"c\":\"q\\\"\\\\\\n\",\"d\":null}", line);
        Assert.Equal("q\"\\\n", JObject.Parse(line).Value<string>("c"));
    }

    [Fact]
    public void WriteTo_WithPayloads_SidecarHoldsEveryArrivedPayloadOnce()
    {
        using var tmp = TraceFixtures.Temp();
        string path = TraceFixtures.Write(TraceFixtures.Sync, tmp.Path);
        using var sidecar = PayloadSidecar.Load(tmp.Path);
        var hashes = TraceFixtures.Sync.Lines.Where(l => l.StartsWith("{\"type\":\"arrive\"", StringComparison.Ordinal))
            .Select(l => JObject.Parse(l).Value<string>("hash")!).Distinct().ToList();
        foreach (string h in hashes) Assert.Equal(15, sidecar.Get(h, "test").Length);
        Assert.Equal(File.ReadAllLines(Path.Combine(tmp.Path, TraceContent.PayloadIndexFileName)).Length, sidecar.Count);
        Assert.True(File.Exists(path));
    }

    /// <summary>The sidecar remembers a bounded window of index entries: vectors asked for in order, out of order, again after they
    /// left the window, and unknown hashes give what the whole index gives.</summary>
    [Fact]
    public void Sidecar_BoundedWindow_FindsEveryVectorInAnyOrder()
    {
        using var tmp = TraceFixtures.Temp();
        TraceFixtures.Write(TraceFixtures.Sync, tmp.Path);
        var hashes = TraceFixtures.Sync.Lines.Where(l => l.StartsWith("{\"type\":\"arrive\"", StringComparison.Ordinal))
            .Select(l => JObject.Parse(l).Value<string>("hash")!).ToList();
        Assert.True(hashes.Distinct().Count() > 4);
        using var whole = PayloadSidecar.Load(tmp.Path);
        using var small = PayloadSidecar.Load(tmp.Path, window: 2);
        // In trace order (with its repeats), then backwards (every vector has left the window), then in trace order again.
        foreach (string h in hashes.Concat(Enumerable.Reverse(hashes)).Concat(hashes))
        {
            Assert.Equal(whole.Get(h, "test"), small.Get(h, "test"));
        }
        Assert.False(small.Contains("0123456789abcdef"));
        Assert.Equal(whole.Count, small.Count);
        var ex = Assert.Throws<SimByzException>(() => small.Get("0123456789abcdef", "here"));
        Assert.StartsWith("here: payload 0123456789abcdef is not in the sidecar", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Reading a sidecar keeps a bounded window of its index, not an entry per vector: a sidecar of 300 000 vectors (an index
    /// entry used to cost about 40 bytes: 12 MB) is loaded and read through in order keeping less than 4 MB. Alone in its collection:
    /// it measures the heap.</summary>
    [Collection(nameof(SimByz.Tests.Unit.Sweeps.SweepMemoryTests))]
    public class SidecarMemoryTests
    {
        [Fact]
        public void Sidecar_ThreeHundredThousandVectors_MemoryBoundedByTheWindow()
        {
            const int vectors = 300_000;
            using var tmp = TraceFixtures.Temp();
            var hashes = new string[vectors];
            using (var data = new BinaryWriter(File.Create(Path.Combine(tmp.Path, TraceContent.PayloadFileName))))
            using (var index = new StreamWriter(Path.Combine(tmp.Path, TraceContent.PayloadIndexFileName)) { NewLine = "\n" })
            {
                for (int i = 0; i < vectors; i++)
                {
                    float[] v = [i, -i];
                    hashes[i] = TraceHash.Of(v);
                    data.Write(v[0]);
                    data.Write(v[1]);
                    index.WriteLine($"{{\"type\":\"payload\",\"hash\":\"{hashes[i]}\",\"offset\":{8L * i},\"length\":2}}");
                }
            }
            using var warm = PayloadSidecar.Load(tmp.Path);
            warm.Get(hashes[0], "warm-up");
            long before = GC.GetTotalMemory(forceFullCollection: true);
            using var sidecar = PayloadSidecar.Load(tmp.Path);
            long loaded = GC.GetTotalMemory(forceFullCollection: true) - before;
            for (int i = 0; i < vectors; i++) Assert.Equal(-i, sidecar.Get(hashes[i], "test")[1]);
            long read = GC.GetTotalMemory(forceFullCollection: true) - before;
            Assert.Equal(vectors, sidecar.Count);
            Assert.True(loaded < 64 << 10, $"{loaded} bytes kept after loading the index");
            Assert.True(read < 4 << 20, $"{read} bytes kept after reading every vector");
            // A vector that left the window long ago is found again.
            Assert.Equal(1, sidecar.Get(hashes[1], "test")[0]);
        }
    }
}
