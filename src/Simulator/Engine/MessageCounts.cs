using System.Globalization;
using System.Text;

namespace SimByz.Simulator.Engine;

/// <summary>
/// How many of a run's messages ended in each fate, honest and Byzantine apart: the counters of
/// metrics.csv, summary.json, the trace's <c>eval</c> records, the sweep results and the
/// counterfactual comparison.
/// </summary>
/// <remarks>
/// <para>Every writer and reader of these counters goes through <see cref="Fields"/>,
/// <see cref="Read"/> and <see cref="CsvHeader"/>, so the six values always appear under the same
/// names and in the same order: honest applied, rejected, dropped, then Byzantine applied, rejected,
/// dropped.</para>
/// <para>An immutable value; <see cref="Add"/> returns a new one. Thread-safe.</para>
/// </remarks>
/// <param name="HonestApplied">Honest messages the server's update used.</param>
/// <param name="HonestRejected">Honest messages the defence saw and did not use.</param>
/// <param name="HonestDropped">Honest messages that never reached the defence (late, too stale, crashed, run ended).</param>
/// <param name="ByzantineApplied">Byzantine messages the server's update used.</param>
/// <param name="ByzantineRejected">Byzantine messages the defence saw and did not use.</param>
/// <param name="ByzantineDropped">Byzantine messages that never reached the defence.</param>
public readonly record struct MessageCounts(
    long HonestApplied, long HonestRejected, long HonestDropped,
    long ByzantineApplied, long ByzantineRejected, long ByzantineDropped)
{
    /// <summary>The six CSV column names, comma-separated, in <see cref="Fields"/> order.</summary>
    public const string CsvHeader = "honest_applied,honest_rejected,honest_dropped,byzantine_applied,byzantine_rejected,byzantine_dropped";

    /// <summary>These counts plus one message of the given role that ended as <paramref name="fate"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fate"/> is <see cref="MessageFate.Pending"/>.</exception>
    /// <exception cref="OverflowException">A counter would pass <see cref="long.MaxValue"/> (counters never wrap).</exception>
    public MessageCounts Add(bool byzantine, MessageFate fate) => checked(fate switch
    {
        MessageFate.Applied => byzantine ? this with { ByzantineApplied = ByzantineApplied + 1 } : this with { HonestApplied = HonestApplied + 1 },
        MessageFate.Rejected => byzantine ? this with { ByzantineRejected = ByzantineRejected + 1 } : this with { HonestRejected = HonestRejected + 1 },
        MessageFate.Dropped => byzantine ? this with { ByzantineDropped = ByzantineDropped + 1 } : this with { HonestDropped = HonestDropped + 1 },
        _ => throw new ArgumentOutOfRangeException(nameof(fate), fate, "a message still pending has no fate to count"),
    });

    /// <summary>The six counters with their JSON (and trace) field names, in serialized order.</summary>
    public IEnumerable<(string Name, long Value)> Fields()
    {
        yield return ("honestApplied", HonestApplied);
        yield return ("honestRejected", HonestRejected);
        yield return ("honestDropped", HonestDropped);
        yield return ("byzantineApplied", ByzantineApplied);
        yield return ("byzantineRejected", ByzantineRejected);
        yield return ("byzantineDropped", ByzantineDropped);
    }

    /// <summary>Reads the six counters through <paramref name="field"/> (given a JSON field name, in
    /// <see cref="Fields"/> order), so a reader's first complaint names the first missing or bad field.</summary>
    public static MessageCounts Read(Func<string, long> field)
    {
        ArgumentNullException.ThrowIfNull(field);
        // Named locals fix the reading order whatever the constructor's parameter order.
        long honestApplied = field("honestApplied");
        long honestRejected = field("honestRejected");
        long honestDropped = field("honestDropped");
        long byzantineApplied = field("byzantineApplied");
        long byzantineRejected = field("byzantineRejected");
        long byzantineDropped = field("byzantineDropped");
        return new(honestApplied, honestRejected, honestDropped, byzantineApplied, byzantineRejected, byzantineDropped);
    }

    /// <summary>Appends the six values, comma-separated, invariant culture (the columns of <see cref="CsvHeader"/>).</summary>
    public StringBuilder AppendCsv(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        bool first = true;
        foreach (var (_, value) in Fields())
        {
            if (!first) sb.Append(',');
            first = false;
            sb.Append(value.ToString(CultureInfo.InvariantCulture));
        }
        return sb;
    }
}
