using SimByz.Aggregation;
using SimByz.Simulator.Engine;

namespace SimByz.Simulator.Composition;

/// <summary>
/// Builds the defences of one resolved scenario on the chosen backend: an async rule for async
/// scenarios when the spec names one, else a synchronous rule chain (in async scenarios it runs in
/// buffered mode and needs <see cref="ProtocolOptions.AsyncBuffer"/>). Each call builds a fresh
/// instance (rules keep state and buffers).
/// </summary>
/// <remarks>Thread-safe (immutable); the instances it returns are not.</remarks>
public sealed class DefenceResolver
{
    private readonly AggregatorCatalog _catalog;
    private readonly IComputeBackend _backend;
    private readonly ProtocolOptions _protocol;
    private readonly AggregatorBuildContext _context;
    private readonly int _workers;
    private readonly string _workersField;

    /// <summary>A resolver for a scenario with <paramref name="workers"/> workers of which <paramref name="byzantine"/> are Byzantine;
    /// <paramref name="workersField"/> is the scenario field that sets the workers (<c>federation.perRound</c> in a federated run).</summary>
    public DefenceResolver(AggregatorCatalog catalog, IComputeBackend backend, ProtocolOptions protocol, ulong seed, int workers, int byzantine,
        string workersField = "workers.count")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(protocol);
        _catalog = catalog;
        _backend = backend;
        _protocol = protocol;
        _workers = workers;
        _workersField = workersField;
        _context = new AggregatorBuildContext(seed, byzantine);
    }

    /// <summary>The backend the rules (synchronous and asynchronous) run on.</summary>
    public IComputeBackend Backend => _backend;

    /// <summary>The aggregation catalogue it resolves names in.</summary>
    public AggregatorCatalog Catalog => _catalog;

    /// <summary>How many inputs one aggregation gets in this protocol: n workers, k with wait first-k, the buffer size in buffered async mode.</summary>
    public int InputsPerAggregation => _protocol.Kind == ProtocolKind.Async ? _protocol.AsyncBuffer
        : _protocol.Wait == SyncWait.FirstK ? _protocol.K : _workers;

    /// <summary>Builds the defence <paramref name="spec"/>.</summary>
    /// <exception cref="SimByzException">Unknown or malformed spec, or a rule that does not fit the protocol.</exception>
    public Defence Create(string spec)
    {
        bool isAsyncName = _catalog.IsAsyncRule(spec);
        if (_protocol.Kind == ProtocolKind.Async && isAsyncName) return new Defence(null, _backend.CreateAsyncRule(_catalog, spec, _context));
        if (isAsyncName) throw new SimByzException($"defence '{spec}' is an asynchronous rule: it needs protocol.kind \"async\"");
        var rule = _backend.CreateRule(_catalog, spec, _context);
        if (_protocol.Kind == ProtocolKind.Async && _protocol.AsyncBuffer < 1)
        {
            string smallest = SmallestInputs(rule, 1) is { } m ? $"; the smallest for which '{spec}' holds its condition is {m}" : "";
            (rule as IDisposable)?.Dispose();
            throw new SimByzException($"defence '{spec}' is a synchronous rule: in an async scenario give protocol.asyncBuffer ≥ 1 (aggregate every m messages){smallest}, or use an async rule");
        }
        return new Defence(rule, null);
    }

    /// <summary>
    /// Whether the defence <paramref name="spec"/> needs the server's validation set (Zeno, Zeno++, AFLGuard, or a
    /// pre-aggregator chain ending in one): asked of the catalogue's managed rule, whatever the backend.
    /// </summary>
    /// <exception cref="SimByzException">As <see cref="Create"/>.</exception>
    public bool UsesValidation(string spec)
    {
        bool isAsyncName = _catalog.IsAsyncRule(spec);
        if (_protocol.Kind == ProtocolKind.Async && isAsyncName)
        {
            var probe = _catalog.CreateAsync(spec, _context);
            try { return probe.UsesValidation; } finally { (probe as IDisposable)?.Dispose(); }
        }
        if (isAsyncName) return false;
        var rule = _catalog.Create(spec, _context);
        try { return rule.UsesValidation; } finally { (rule as IDisposable)?.Dispose(); }
    }

    /// <summary>
    /// Builds <paramref name="spec"/> and checks its declared tolerance condition against the number
    /// of inputs one aggregation gets (<see cref="InputsPerAggregation"/>), so that a scenario or a
    /// sweep fails before anything runs rather than at its first aggregation.
    /// </summary>
    /// <exception cref="SimByzException">As <see cref="Create"/>, or the tolerance condition does not hold.</exception>
    public void Check(string spec)
    {
        var defence = Create(spec);
        try
        {
            CheckTolerance(defence);
        }
        finally
        {
            // The instance was built only to be checked (a rule holding native memory frees it here).
            (defence.Rule as IDisposable)?.Dispose();
            (defence.AsyncRule as IDisposable)?.Dispose();
        }
    }

    private void CheckTolerance(Defence defence)
    {
        int m = InputsPerAggregation;
        if (defence.Rule is not { } rule || m < 1) return;
        try
        {
            rule.CheckTolerance(m);
        }
        catch (SimByzException ex)
        {
            // Say the nearest value that works, for the field that sets the number of inputs.
            string field = _protocol.Kind == ProtocolKind.Async ? "protocol.asyncBuffer" : _protocol.Wait == SyncWait.FirstK ? "protocol.k" : _workersField;
            if (SmallestInputs(rule, m + 1) is not { } fits) throw;
            throw new SimByzException($"{ex.Message}; with {field} = {fits} it holds (the smallest such value)", ex);
        }
    }

    /// <summary>The smallest number of inputs from <paramref name="from"/> on for which the rule's tolerance condition holds,
    /// or null when none up to 10 000 does (a condition on something else, such as the rule's own parameters).</summary>
    internal static int? SmallestInputs(IAggregator rule, int from)
    {
        for (int m = Math.Max(1, from); m <= 10_000; m++)
        {
            try
            {
                rule.CheckTolerance(m);
                return m;
            }
            catch (SimByzException)
            {
                // keep looking
            }
        }
        return null;
    }
}
