namespace SimByz.Simulator.Traces;

/// <summary>One defence's section of a trace: its index, defence spec, and the line range of its event records.</summary>
public sealed record TraceSection(int Index, string Defence, int RunLine, int FirstLine, int LastLine);
