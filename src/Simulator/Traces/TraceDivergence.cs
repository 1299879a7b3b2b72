namespace SimByz.Simulator.Traces;

/// <summary>The first place where a re-run differs from a recorded trace.</summary>
/// <param name="Line">1-based line number in the recorded trace.</param>
/// <param name="Defence">The defence section the line belongs to (null for the header and end records).</param>
/// <param name="Record">The recorded record's type and number, e.g. <c>arrive n=37</c>.</param>
/// <param name="Field">The first differing field (or <c>(record)</c> when a record is missing or extra).</param>
/// <param name="Expected">The recorded value.</param>
/// <param name="Got">The re-run's value.</param>
public sealed record TraceDivergence(int Line, string? Defence, string Record, string Field, string Expected, string Got)
{
    /// <inheritdoc />
    public override string ToString()
        => $"line {Line}{(Defence is null ? "" : $" (defence '{Defence}')")}, record {Record}, field '{Field}': expected {Expected}, got {Got}";
}
