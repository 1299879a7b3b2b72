using System.Text;
using SimByz.Simulator.Engine;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Engine;

public class MessageCountsTests
{
    public static TheoryData<bool, MessageFate> FatesAndRoles => new()
    {
        { false, MessageFate.Applied }, { false, MessageFate.Rejected }, { false, MessageFate.Dropped },
        { true, MessageFate.Applied }, { true, MessageFate.Rejected }, { true, MessageFate.Dropped },
    };

    [Theory]
    [MemberData(nameof(FatesAndRoles))]
    public void Add_OneMessage_RaisesOnlyItsCounter(bool byzantine, MessageFate fate)
    {
        var start = new MessageCounts(1, 2, 3, 4, 5, 6);
        var added = start.Add(byzantine, fate);
        var before = start.Fields().ToList();
        var after = added.Fields().ToList();
        string expected = (byzantine ? "byzantine" : "honest") + fate;
        for (int k = 0; k < before.Count; k++)
        {
            long delta = string.Equals(before[k].Name, expected, StringComparison.OrdinalIgnoreCase) ? 1 : 0;
            Assert.Equal(before[k].Value + delta, after[k].Value);
        }
    }

    [Fact]
    public void Add_Pending_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => default(MessageCounts).Add(byzantine: false, MessageFate.Pending));

    [Fact]
    public void Fields_SameNamesAndOrderAsCsvHeader()
    {
        var snake = new MessageCounts().Fields().Select(f => string.Concat(f.Name.Select(c => char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : c.ToString())));
        Assert.Equal(MessageCounts.CsvHeader.Split(','), snake);
    }

    [Fact]
    public void Read_AsksForTheFieldsInSerializedOrder_AndRoundTrips()
    {
        var counts = new MessageCounts(10, 20, 30, 40, 50, 60);
        var values = counts.Fields().ToDictionary(f => f.Name, f => f.Value);
        var asked = new List<string>();
        var read = MessageCounts.Read(name =>
        {
            asked.Add(name);
            return values[name];
        });
        Assert.Equal(counts, read);
        Assert.Equal(counts.Fields().Select(f => f.Name), asked);
    }

    [Fact]
    public void AppendCsv_SixValuesInHeaderOrder()
        => Assert.Equal("1,2,3,4,5,6", new MessageCounts(1, 2, 3, 4, 5, 6).AppendCsv(new StringBuilder()).ToString());

    [Fact]
    public void MetricsRow_CsvLine_CountersUnderTheirHeaderColumns()
    {
        var row = new MetricsRow { Defence = "mean", Counts = new MessageCounts(1, 2, 3, 4, 5, 6) };
        var header = MetricsRow.CsvHeader.Split(',');
        var cells = row.ToCsv().Split(',');
        Assert.Equal(header.Length, cells.Length);
        Assert.Equal("4", cells[Array.IndexOf(header, "byzantine_applied")]);
        Assert.Equal("3", cells[Array.IndexOf(header, "honest_dropped")]);
    }
}
