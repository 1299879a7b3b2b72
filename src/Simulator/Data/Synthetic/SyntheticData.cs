using SimByz.Scheduler;

namespace SimByz.Simulator.Data.Synthetic;

/// <summary>
/// Synthetic tasks drawn from a <see cref="RandomStream"/> (purpose <see cref="StreamPurpose.DataGeneration"/>),
/// so the same stream gives the same bytes on every machine.
/// </summary>
/// <remarks>
/// A test size of 0 gives no test set (<see cref="LoadedData.Test"/> null). Draw order, which fixes the result: first the task's hidden parameters (teacher, class means,
/// centre), then the training examples one by one, then the test examples one by one; within an
/// example the label (if any) first, then its features in index order. Normal draws use the
/// stream's polar method, rounded to float32 once.
/// </remarks>
public static class SyntheticData
{
    /// <summary>
    /// Regression with a linear teacher: w*_j ~ N(0, 1/d), b* ~ N(0, 1); x ~ N(0, I_d);
    /// y = w*·x + b* + σ·ε with ε ~ N(0, 1) (so Var(w*·x) ≈ 1 and the noise-free R² ≈ 1/(1 + σ²)).
    /// </summary>
    /// <remarks><c>teacher</c> receives w* then b* (d + 1 values, float32), the layout of the <c>linear</c> model.</remarks>
    public static LoadedData LinearTeacher(int features, int train, int test, double noise, RandomStream rng, out float[] teacher)
    {
        CheckSizes("linear-teacher", features, train, test);
        if (!(noise >= 0) || !double.IsFinite(noise)) throw new SimByzException($"linear-teacher: noise {noise} is invalid: expected a finite number ≥ 0");
        teacher = new float[features + 1];
        double scale = 1.0 / Math.Sqrt(features);
        for (int j = 0; j < features; j++) teacher[j] = (float)(rng.NextNormal() * scale);
        teacher[features] = (float)rng.NextNormal();
        var trainSet = Regression(features, train, noise, teacher, rng);
        var testSet = test > 0 ? Regression(features, test, noise, teacher, rng) : null;
        return new LoadedData(trainSet, testSet, $"linear-teacher: {train} train, {test} test, {features} features, noise {noise}");
    }

    private static Dataset Regression(int d, int count, double noise, float[] teacher, RandomStream rng)
    {
        var x = new float[(long)count * d];
        var y = new float[count];
        for (int i = 0; i < count; i++)
        {
            var row = x.AsSpan(i * d, d);
            for (int j = 0; j < d; j++) row[j] = (float)rng.NextNormal();
            double clean = DetVec.Dot(teacher.AsSpan(0, d), row) + teacher[d];
            y[i] = (float)(clean + noise * rng.NextNormal());
        }
        return new Dataset(x, count, d, null, 0, y);
    }

    /// <summary>
    /// Gaussian-mixture classification: class means μ_c = r·g_c/‖g_c‖ with g_c ~ N(0, I_d) (uniform on
    /// the sphere of radius r = <paramref name="separation"/>); each example's label y is uniform on
    /// 0..C−1 and its features x = μ_y + N(0, I_d) (unit noise).
    /// </summary>
    /// <remarks><c>means</c> receives the C class means (C×d row-major).</remarks>
    public static LoadedData GaussianMixture(int classes, int features, int train, int test, double separation, RandomStream rng, out float[] means)
    {
        CheckSizes("gaussian-mixture", features, train, test);
        if (classes is < 2 or > 1000) throw new SimByzException($"gaussian-mixture: classes={classes} is invalid: expected an integer in [2, 1000]");
        if (!(separation >= 0) || !double.IsFinite(separation)) throw new SimByzException($"gaussian-mixture: separation {separation} is invalid: expected a finite number ≥ 0");
        means = new float[classes * features];
        var g = new double[features];
        for (int c = 0; c < classes; c++)
        {
            double ss = 0;
            for (int j = 0; j < features; j++)
            {
                g[j] = rng.NextNormal();
                ss += g[j] * g[j];
            }
            double scale = ss > 0 ? separation / Math.Sqrt(ss) : 0;
            for (int j = 0; j < features; j++) means[c * features + j] = (float)(g[j] * scale);
        }
        var trainSet = Mixture(classes, features, train, means, rng);
        var testSet = test > 0 ? Mixture(classes, features, test, means, rng) : null;
        return new LoadedData(trainSet, testSet, $"gaussian-mixture: {classes} classes, {features} features, {train} train, {test} test, separation {separation}");
    }

    private static Dataset Mixture(int classes, int d, int count, float[] means, RandomStream rng)
    {
        var x = new float[(long)count * d];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int y = rng.NextInt(classes);
            labels[i] = y;
            var row = x.AsSpan(i * d, d);
            for (int j = 0; j < d; j++) row[j] = (float)(means[y * d + j] + rng.NextNormal());
        }
        return new Dataset(x, count, d, labels, classes);
    }

    /// <summary>
    /// Points for the <c>quadratic</c> model: a centre c ~ N(0, I_d), then points z_i = c + s·N(0, I_d)
    /// with s = <paramref name="spread"/>. Targets are all zero (the model ignores them). The optimum
    /// over a set of rows is the mean of their points.
    /// </summary>
    public static LoadedData QuadraticPoints(int features, int train, int test, double spread, RandomStream rng)
    {
        CheckSizes("quadratic", features, train, test);
        if (!(spread >= 0) || !double.IsFinite(spread)) throw new SimByzException($"quadratic: spread {spread} is invalid: expected a finite number ≥ 0");
        var centre = new double[features];
        for (int j = 0; j < features; j++) centre[j] = rng.NextNormal();
        Dataset Points(int count)
        {
            var z = new float[(long)count * features];
            for (int i = 0; i < count; i++)
            {
                for (int j = 0; j < features; j++) z[(long)i * features + j] = (float)(centre[j] + spread * rng.NextNormal());
            }
            return new Dataset(z, count, features, null, 0, new float[count]);
        }
        var trainSet = Points(train);
        var testSet = test > 0 ? Points(test) : null;
        return new LoadedData(trainSet, testSet, $"quadratic: {train} train, {test} test, {features} features, spread {spread}");
    }

    private static void CheckSizes(string what, int features, int train, int test)
    {
        if (features < 1) throw new SimByzException($"{what}: features={features} is invalid: expected an integer ≥ 1");
        if (train < 1) throw new SimByzException($"{what}: train={train} is invalid: expected an integer ≥ 1");
        if (test < 0) throw new SimByzException($"{what}: test={test} is invalid: expected an integer ≥ 0");
        if ((long)Math.Max(train, test) * features > int.MaxValue / 2)
        {
            throw new SimByzException($"{what}: {Math.Max(train, test)}×{features} values is too large (at most {int.MaxValue / 2} per set)");
        }
    }
}
