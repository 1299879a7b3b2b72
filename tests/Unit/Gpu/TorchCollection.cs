using Xunit;

namespace SimByz.Tests.Unit.Gpu;

/// <summary>TorchSharp tests run one at a time (CONVENTIONS.md: the native library's global state and the two cores).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "torch";
}
