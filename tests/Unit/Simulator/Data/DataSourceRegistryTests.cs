using SimByz;
using SimByz.Simulator.Data;
using SimByz.Simulator.Data.Readers;
using SimByz.Tests.Unit.Simulator.Data.Readers;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Data;

public class DataSourceCatalogTests
{
    [Fact]
    public void Load_GaussianMixtureSpec_HonoursParametersAndSeed()
    {
        var a = DataSourceCatalog.Load("gaussian-mixture:classes=3,features=4,train=50,test=7,separation=2", 5);
        var b = DataSourceCatalog.Load("gaussian-mixture:classes=3,features=4,train=50,test=7,separation=2", 5);
        var c = DataSourceCatalog.Load("gaussian-mixture:classes=3,features=4,train=50,test=7,separation=2", 6);
        Assert.Equal((50, 4, 3, 7), (a.Train.Count, a.Train.FeatureCount, a.Train.ClassCount, a.Test!.Count));
        Assert.Equal(a.Train.Features, b.Train.Features);
        Assert.NotEqual(a.Train.Features, c.Train.Features);
    }

    [Theory]
    [InlineData("mnist", "unknown data source 'mnist'")]
    [InlineData("gaussian-mixture:classes=1", "classes=1")]
    [InlineData("linear-teacher:noise=-1", "noise=-1")]
    [InlineData("quadratic:colour=red", "unknown parameter 'colour'")]
    [InlineData("idx:images=/a", "'images' and 'labels' are required")]
    [InlineData("idx:images=/a,labels=/b,test-images=/c", "both 'test-images' and 'test-labels'")]
    [InlineData("idx:images=/a,labels=/b,classes=1", "'classes' is 1")]
    [InlineData("cifar10", "'path' is required")]
    [InlineData("fashion-mnist:subset=random", "one of first, seeded")]
    public void Validate_BadSpec_ThrowsClearError(string spec, string message)
        => Assert.Contains(message, Assert.Throws<SimByzException>(() => DataSourceCatalog.Validate(spec)).Message, StringComparison.Ordinal);

    [Fact]
    public void Load_IdxWithLimitAndStandardize_KeepsFirstNAndStandardizes()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 20, 2, 3, 4, gzip: true);
        var (testImages, testLabels) = files.Mnist("t10k", 6, 2, 3, 4, gzip: false);
        string spec = $"idx:images={images},labels={labels},test-images={testImages},test-labels={testLabels}";
        var full = DataSourceCatalog.Load(spec, 1);
        var first = DataSourceCatalog.Load(spec + ",limit=5,test-limit=2", 1);
        Assert.Equal(5, first.Train.Count);
        Assert.Equal(2, first.Test!.Count);
        Assert.Equal(full.Train.Features.AsSpan(0, 30).ToArray(), first.Train.Features);
        var seeded = DataSourceCatalog.Load(spec + ",limit=5,subset=seeded", 1);
        Assert.Equal(5, seeded.Train.Count);
        Assert.Equal(seeded.Train.Features, DataSourceCatalog.Load(spec + ",limit=5,subset=seeded", 1).Train.Features);
        Assert.NotEqual(first.Train.Features, seeded.Train.Features);
        var standardized = DataSourceCatalog.Load(spec + ",standardize=true", 1);
        double mean = standardized.Train.Features.Average(v => (double)v);
        double sd = Math.Sqrt(standardized.Train.Features.Average(v => (double)v * v) - mean * mean);
        Assert.Equal(0, mean, 5);
        Assert.Equal(1, sd, 4);
    }

    [Fact]
    public void Load_IdxWithoutTestFiles_HasNoTestSet()
    {
        using var files = new TempFiles();
        var (images, labels) = files.Mnist("train", 8, 2, 2, 3, gzip: false);
        Assert.Null(DataSourceCatalog.Load($"idx:images={images},labels={labels}", 0).Test);
    }

    [Fact]
    public void Load_FashionMnistMissingDirectory_MessageNamesDebianPackage()
    {
        var e = Assert.Throws<SimByzException>(() => DataSourceCatalog.Load("fashion-mnist:dir=/nonexistent/fmnist", 0));
        Assert.Contains(FashionMnist.DebianPackage, e.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/fmnist/train-images-idx3-ubyte.gz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FashionMnistInstalled_HasDocumentedShapeOrNamesPackage()
    {
        if (!File.Exists(Path.Combine(FashionMnist.DefaultDirectory, "train-labels-idx1-ubyte.gz")))
        {
            Assert.Contains(FashionMnist.DebianPackage, Assert.Throws<SimByzException>(() => DataSourceCatalog.Load("fashion-mnist", 0)).Message, StringComparison.Ordinal);
            return;
        }
        var data = DataSourceCatalog.Load("fashion-mnist:limit=2000,test-limit=500", 0);
        Assert.Equal((2000, 784, 10, 500), (data.Train.Count, data.Train.FeatureCount, data.Train.ClassCount, data.Test!.Count));
        Assert.All(data.Train.Features, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(10, data.Train.Labels!.Distinct().Count());
        Assert.Equal(9, data.Train.Labels![0]); // the first training image is an ankle boot
    }
}
