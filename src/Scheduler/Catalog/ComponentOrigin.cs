namespace SimByz.Specs;

/// <summary>
/// Where a catalogued component comes from: SimByz itself, or a plug-in assembly identified by its
/// name, version and the SHA-256 of its file, so that a trace made with one build of a plug-in is
/// never replayed silently with another.
/// </summary>
/// <param name="Assembly">Assembly name (<c>SimByz</c> for the built-ins).</param>
/// <param name="Version">Assembly informational version (or assembly version).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the assembly file; empty for the built-ins.</param>
/// <param name="Path">The file it was loaded from; empty for the built-ins. Not part of identity (the
/// same plug-in may live in another folder on another machine).</param>
public sealed record ComponentOrigin(string Assembly, string Version, string Sha256, string Path)
{
    /// <summary>The built-in components of SimByz.</summary>
    public static ComponentOrigin BuiltIn { get; } = new("SimByz", "", "", "");

    /// <summary>True for the built-ins.</summary>
    public bool IsBuiltIn => Sha256.Length == 0;

    /// <summary>How messages name it: <c>built-in</c>, or <c>plug-in NAME VERSION (PATH)</c>.</summary>
    public override string ToString() => IsBuiltIn ? "built-in" : $"plug-in {Assembly} {Version} ({Path})";
}
