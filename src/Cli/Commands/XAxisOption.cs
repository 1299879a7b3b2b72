using System.CommandLine;
using SimByz.Simulator.Reproductions;

namespace SimByz.Cli.Commands;

/// <summary>The <c>--x-axis steps|time|messages</c> option of the commands that draw training figures.</summary>
internal static class XAxisOption
{
    public static Option<string?> Create() => new("--x-axis")
    {
        Description = "x axis of the figures: steps (server steps), time (simulated seconds) or messages (received by the server). " +
                      "Default: time for asynchronous runs, steps for synchronous ones.",
    };

    /// <summary>The chosen axis, or null when not given (each figure then takes its protocol's default).</summary>
    public static FigureXAxis? Parse(string? value) => value switch
    {
        null => null,
        "steps" => FigureXAxis.Steps,
        "time" => FigureXAxis.Time,
        "messages" => FigureXAxis.Messages,
        _ => throw new SimByzException($"--x-axis '{value}' is unknown (allowed: steps, time, messages)"),
    };

    /// <summary>The default for a protocol: simulated time when asynchronous (server steps mean different things per rule).</summary>
    public static FigureXAxis DefaultFor(Simulator.Scenarios.Scenario scenario)
        => scenario.Protocol.Kind == Simulator.Engine.ProtocolKind.Async ? FigureXAxis.Time : FigureXAxis.Steps;
}
