namespace SimByz.Testing.Contracts;

/// <summary>A component broke a SimByz contract; the message names the component, the check and the values.</summary>
public sealed class ContractViolationException : Exception
{
    public ContractViolationException(string message) : base(message) { }

    public ContractViolationException(string message, Exception inner) : base(message, inner) { }

    public ContractViolationException() { }
}
