namespace SimByz.Simulator.Reproductions;

/// <summary>What the x axis of a training figure counts.</summary>
/// <remarks>Asynchronous rules advance the server at very different rates (async SGD once per message, a buffered
/// rule once per ten), so against steps their curves cannot be compared; simulated time puts them on one clock.</remarks>
public enum FigureXAxis
{
    /// <summary>Server steps (model updates).</summary>
    Steps,

    /// <summary>Simulated time in seconds.</summary>
    Time,

    /// <summary>Messages the server has received (applied, rejected or dropped, honest and Byzantine).</summary>
    Messages,
}
