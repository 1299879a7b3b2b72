namespace SimByz;

/// <summary>
/// An error in what the user gave SimByz (a scenario, a rule spec, a trace, a file, a parameter),
/// with a message that names what and where. The CLI prints the message alone (no stack trace)
/// and exits non-zero; every other exception is a bug.
/// </summary>
/// <remarks>
/// Where the bad value sits in a JSON document is a property, <see cref="JsonPath"/> (e.g.
/// <c>$.byzantine.attack</c>), not text to be parsed back out of the message: <see cref="AtPath"/>
/// attaches it once (the innermost path wins), and a caller that maps a scenario path onto another
/// document (a sweep grid) reads <see cref="JsonPath"/> and <see cref="Detail"/>.
/// </remarks>
public class SimByzException : Exception
{
    public SimByzException(string message) : base(message) => Detail = message;

    public SimByzException(string message, Exception inner) : base(message, inner) => Detail = message;

    public SimByzException() => Detail = Message;

    private SimByzException(string? document, string jsonPath, string detail, Exception? inner)
        : base((document is null ? "" : document + ": ") + jsonPath + ": " + detail, inner)
    {
        Document = document;
        JsonPath = jsonPath;
        Detail = detail;
    }

    /// <summary>An error at <paramref name="jsonPath"/> of <paramref name="document"/> (a file name, "scenario", or null).</summary>
    public static SimByzException At(string? document, string jsonPath, string detail) => new(document, jsonPath, detail, null);

    /// <summary>The document the path refers to (a file name or "scenario"), or null.</summary>
    public string? Document { get; }

    /// <summary>The JSON path of the offending value (e.g. <c>$.defences[2]</c>), or null when the error is not tied to one.</summary>
    public string? JsonPath { get; }

    /// <summary>The message without the JSON path.</summary>
    public string Detail { get; }

    /// <summary>This error located at <paramref name="jsonPath"/>; an error that already has a path keeps it (it is more precise).</summary>
    public SimByzException AtPath(string jsonPath) => JsonPath is not null ? this : new SimByzException(Document, jsonPath, Detail, this);
}
