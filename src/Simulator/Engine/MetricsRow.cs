using System.Globalization;
using System.Text;

namespace SimByz.Simulator.Engine;

/// <summary>One evaluation point of one defence's run (a line of metrics.csv).</summary>
/// <remarks>Counts are cumulative since the start of the run; staleness statistics cover the
/// messages that reached the defence since the previous evaluation point (NaN when none).</remarks>
public sealed record MetricsRow
{
    public required string Defence { get; init; }
    public long TimeNs { get; init; }
    public long Step { get; init; }
    public double LearningRate { get; init; }
    public double TrainLoss { get; init; }
    public double ValidationLoss { get; init; }
    public double ValidationAccuracy { get; init; }
    public double TestLoss { get; init; }
    public double TestAccuracy { get; init; }

    /// <summary>Messages by fate and role, cumulative since the start of the run.</summary>
    public MessageCounts Counts { get; init; }

    public double StalenessMin { get; init; }
    public double StalenessMean { get; init; }
    public double StalenessMax { get; init; }

    /// <summary>Whether the run is federated: then the row has the three byzantine_in_round columns.</summary>
    public bool Federated { get; init; }

    /// <summary>Federated: the fewest, mean and most Byzantine clients in a round's sample over the rounds started since the
    /// previous evaluation point (async: among the active clients after each slot filling); NaN when none started.</summary>
    public double ByzantineInRoundMin { get; init; } = double.NaN;
    public double ByzantineInRoundMean { get; init; } = double.NaN;
    public double ByzantineInRoundMax { get; init; } = double.NaN;

    // Shorthands for Counts.X, for callers that read the counters one by one (the run command's table).
    public long HonestApplied => Counts.HonestApplied;
    public long HonestRejected => Counts.HonestRejected;
    public long HonestDropped => Counts.HonestDropped;
    public long ByzantineApplied => Counts.ByzantineApplied;
    public long ByzantineRejected => Counts.ByzantineRejected;
    public long ByzantineDropped => Counts.ByzantineDropped;

    public static string CsvHeader =>
        "defence,time_ns,step,learning_rate,train_loss,validation_loss,validation_accuracy,test_loss,test_accuracy," +
        MessageCounts.CsvHeader + "," +
        "staleness_min,staleness_mean,staleness_max";

    /// <summary>The extra columns of a federated run's metrics.csv, after <see cref="CsvHeader"/>'s.</summary>
    public const string FederatedCsvColumns = "byzantine_in_round_min,byzantine_in_round_mean,byzantine_in_round_max";

    /// <summary>The header of metrics.csv: <see cref="CsvHeader"/>, plus <see cref="FederatedCsvColumns"/> for a federated run.</summary>
    public static string CsvHeaderFor(bool federated) => federated ? CsvHeader + "," + FederatedCsvColumns : CsvHeader;

    /// <summary>The CSV line: invariant culture, shortest round-trip doubles, so it is byte-stable.</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder();
        sb.Append(Quote(Defence)).Append(',').Append(TimeNs).Append(',').Append(Step);
        foreach (double v in new[] { LearningRate, TrainLoss, ValidationLoss, ValidationAccuracy, TestLoss, TestAccuracy })
        {
            sb.Append(',').Append(Format(v));
        }
        Counts.AppendCsv(sb.Append(','));
        sb.Append(',').Append(Format(StalenessMin)).Append(',').Append(Format(StalenessMean)).Append(',').Append(Format(StalenessMax));
        if (Federated)
        {
            sb.Append(',').Append(Format(ByzantineInRoundMin)).Append(',').Append(Format(ByzantineInRoundMean)).Append(',').Append(Format(ByzantineInRoundMax));
        }
        return sb.ToString();
    }

    /// <summary>Shortest round-trip text of a double, invariant culture ("NaN", "Infinity" as .NET writes them).</summary>
    public static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal)
        ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : s;
}
