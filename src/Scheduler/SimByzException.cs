namespace SimByz;

/// <summary>
/// An error in what the user gave SimByz (a scenario, a rule spec, a trace, a file, a parameter),
/// with a message that names what and where. The CLI prints the message alone (no stack trace)
/// and exits non-zero; every other exception is a bug.
/// </summary>
public class SimByzException : Exception
{
    public SimByzException(string message) : base(message) { }

    public SimByzException(string message, Exception inner) : base(message, inner) { }

    public SimByzException() { }
}
