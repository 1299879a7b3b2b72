using System.Text.Json;
using Xunit;
using static SimByz.Tests.Unit.Cli.AggregateCommandTests;

namespace SimByz.Tests.Unit.Cli;

public class ListCommandTests
{
    [Fact]
    public void List_Text_ShowsEveryAggregatorWithParametersAndDefaults()
    {
        var (code, stdout, stderr) = Simbyz("list");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        foreach (string expected in new[] { "Aggregation rules", "Asynchronous rules", "  mean — ", "  median — ", "  zeno — ", "  zenopp — ", "  async-sgd — ", "  kardam — ", "  aflguard — ", "  fedasync — ", "  fedbuff — ", "  basgd — ", "Damaskinos et al., ICML 2018", "default 0.0005", "reference|plain", "Xie, Koyejo, Gupta, ICML 2019" })
        {
            Assert.Contains(expected, stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void List_Json_IsMachineReadable()
    {
        var (code, stdout, _) = Simbyz("list", "aggregators", "--json");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        var sections = json.RootElement.EnumerateArray().ToList();
        Assert.All(sections, s => Assert.Equal("aggregators", s.GetProperty("category").GetString()));
        var zeno = sections.SelectMany(s => s.GetProperty("components").EnumerateArray()).Single(c => c.GetProperty("name").GetString() == "zeno");
        var parameters = zeno.GetProperty("parameters").EnumerateArray().Select(p => (p.GetProperty("name").GetString(), p.GetProperty("default").GetString())).ToList();
        Assert.Contains(("penalty", "sum"), parameters);
        Assert.Contains(("rho", "0.0005"), parameters);
        Assert.Contains("needs the server's validation oracle", zeno.GetProperty("tolerance").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void List_UnknownCategory_ExitsNonZeroNamingKnownOnes()
    {
        var (code, stdout, stderr) = Simbyz("list", "rules-of-thumb");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("simbyz: error: list: unknown category 'rules-of-thumb' (known: aggregators", stderr.Trim(), StringComparison.Ordinal);
    }
}
