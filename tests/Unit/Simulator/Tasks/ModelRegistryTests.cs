using SimByz;
using SimByz.Simulator.Tasks;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Tasks;

public class ModelCatalogTests
{
    [Theory]
    [InlineData("linear", 10, 0, 11, "linear")]
    [InlineData("logistic", 10, 2, 11, "logistic")]
    [InlineData("softmax", 784, 10, 7850, "softmax")]
    [InlineData("mlp:hidden=64", 784, 10, 784 * 64 + 64 + 64 * 10 + 10, "mlp:hidden=64")]
    [InlineData("mlp:hidden=128;64", 784, 10, 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10, "mlp:hidden=128;64")]
    [InlineData("mlp", 5, 3, 5 * 64 + 64 + 64 * 3 + 3, "mlp:hidden=64")]
    [InlineData("quadratic", 7, 0, 7, "quadratic")]
    [InlineData("quadratic:mu=2.5", 7, 3, 7, "quadratic:mu=2.5")]
    public void Create_KnownSpec_HasDocumentedSizeAndCanonicalSpec(string spec, int features, int classes, int parameters, string canonical)
    {
        var model = ModelCatalog.Create(spec, features, classes);
        Assert.Equal(parameters, model.ParameterCount);
        Assert.Equal(canonical, model.Spec);
    }

    [Theory]
    [InlineData("conv", 10, 10, "unknown model 'conv'")]
    [InlineData("mlp:hidden=0", 10, 10, "hidden size '0' is invalid")]
    [InlineData("mlp:hidden=8;8;8", 10, 10, "expected 1 or 2 hidden sizes")]
    [InlineData("mlp:width=8", 10, 10, "unknown parameter 'width'")]
    [InlineData("linear", 10, 10, "needs regression data")]
    [InlineData("logistic", 10, 3, "exactly 2 classes")]
    [InlineData("softmax", 10, 0, "needs classification data")]
    [InlineData("quadratic:mu=0", 10, 0, "mu=0")]
    public void Create_BadSpecOrData_ThrowsClearError(string spec, int features, int classes, string message)
    {
        var e = Assert.Throws<SimByzException>(() => ModelCatalog.Create(spec, features, classes));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Models_ListsEveryName()
        // Built-in models first; models registered by other assemblies (the torch backend) may follow.
        => Assert.Equal(["linear", "logistic", "softmax", "mlp", "quadratic"], ModelCatalog.BuiltIn.Infos.Select(m => m.Name).Take(5));
}
