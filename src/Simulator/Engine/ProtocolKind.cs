namespace SimByz.Simulator.Engine;

/// <summary>Synchronous or asynchronous parameter server (DESIGN.md, protocols).</summary>
public enum ProtocolKind
{
    Sync,
    Async,
}
