using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Tests.Unit.Simulator.Tasks;

/// <summary>Small random datasets and parameter vectors for model tests.</summary>
internal static class ModelTestData
{
    public static Dataset Classification(int count, int features, int classes, ulong seed, double scale = 1.0)
    {
        var rng = new RandomStream(seed);
        var x = new float[count * features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextNormal() * scale);
        var y = new int[count];
        for (int i = 0; i < count; i++) y[i] = rng.NextInt(classes);
        return new Dataset(x, count, features, y, classes);
    }

    public static Dataset Regression(int count, int features, ulong seed)
    {
        var rng = new RandomStream(seed);
        var x = new float[count * features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextNormal();
        var t = new float[count];
        for (int i = 0; i < count; i++) t[i] = (float)rng.NextNormal();
        return new Dataset(x, count, features, null, 0, t);
    }

    public static float[] Parameters(int count, ulong seed, double scale = 0.5)
    {
        var rng = new RandomStream(seed);
        var p = new float[count];
        for (int i = 0; i < count; i++) p[i] = (float)(rng.NextNormal() * scale);
        return p;
    }

    public static int[] Rows(params int[] rows) => rows;
}
