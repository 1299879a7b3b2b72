using SimByz.Scheduler;
using SimByz.Simulator.Data;
using SimByz.Simulator.Tasks;
using Xunit;

namespace SimByz.Tests.Unit.Simulator.Tasks;

/// <summary>Plain minibatch SGD with each model on its synthetic task reaches the expected quality in a few hundred steps.</summary>
public class ModelConvergenceTests
{
    private static (BuiltTask Task, float[] X) Train(string data, string model, double lr, int steps, int batch = 32, bool harmonic = false)
    {
        var task = TaskBuilder.Build(new TaskDefinition(data, model, workers: 1, seed: 2024));
        var m = task.Model.Clone();
        var sampler = task.CreateWorkerSampler(0, batch);
        var x = task.InitialParameters.ToArray();
        var g = new float[m.ParameterCount];
        for (int t = 0; t < steps; t++)
        {
            m.LossAndGradient(x, task.Train, sampler.Next(), g);
            float step = (float)(harmonic ? 1.0 / (t + 1) : lr);
            for (int i = 0; i < x.Length; i++) x[i] -= step * g[i];
        }
        return (task, x);
    }

    [Fact]
    public void Sgd_LinearOnLinearTeacher_ReachesNoiseFloor()
    {
        var (task, x) = Train("linear-teacher:features=10,train=2000,test=500,noise=0.1", "linear", 0.1, 300);
        double loss = task.Model.Loss(x, task.Test, task.TestRows.Span);
        Assert.InRange(loss, 0, 0.02); // ½σ² = 0.005 at the optimum
    }

    [Fact]
    public void Sgd_LogisticOnTwoGaussians_ClassifiesWell()
    {
        var (task, x) = Train("gaussian-mixture:classes=2,features=10,train=2000,test=500,separation=3", "logistic", 0.5, 300);
        Assert.True(task.Model.Evaluate(x, task.Test, task.TestRows.Span).Accuracy > 0.9);
    }

    [Theory]
    [InlineData("softmax", 0.5)]
    [InlineData("mlp:hidden=32", 0.2)]
    [InlineData("mlp:hidden=32;16", 0.2)]
    public void Sgd_ClassifierOnGaussianMixture_ClassifiesWell(string model, double lr)
    {
        var (task, x) = Train("gaussian-mixture:classes=5,features=10,train=3000,test=500,separation=4", model, lr, 400);
        var start = task.Model.Evaluate(task.InitialParameters, task.Test, task.TestRows.Span);
        var end = task.Model.Evaluate(x, task.Test, task.TestRows.Span);
        Assert.True(end.Accuracy > 0.85, $"{model}: accuracy {end.Accuracy}");
        Assert.True(end.Loss < 0.5 * start.Loss, $"{model}: loss {start.Loss} → {end.Loss}");
    }

    [Fact]
    public void Sgd_QuadraticWithHarmonicSteps_ReachesClosedFormOptimum()
    {
        var (task, x) = Train("quadratic:features=10,train=1000,test=100", "quadratic", 0, 300, harmonic: true);
        float[] optimum = KnownOptima.Quadratic(task.Train, task.Shards[0].Span);
        Assert.True(Math.Sqrt(DetVec.SquaredDistance(x, optimum)) < 0.05, $"distance {Math.Sqrt(DetVec.SquaredDistance(x, optimum))}");
        Assert.Equal(optimum, KnownOptima.QuadraticWorkerAverage(task.Train, task.Shards));
        // The optimum's loss is the minimum: any perturbation increases it.
        var m = task.Model;
        double best = m.Loss(optimum, task.Train, task.Shards[0].Span);
        var moved = optimum.ToArray();
        moved[0] += 0.01f;
        Assert.True(m.Loss(moved, task.Train, task.Shards[0].Span) > best);
    }

    [Fact]
    public void Sgd_SameDefinitionTwice_SameBytes()
    {
        var (_, a) = Train("gaussian-mixture:classes=3,features=6,train=500,test=50", "mlp:hidden=8", 0.2, 50);
        var (_, b) = Train("gaussian-mixture:classes=3,features=6,train=500,test=50", "mlp:hidden=8", 0.2, 50);
        Assert.Equal(a, b);
    }
}
