using SimByz.Scheduler;
using SimByz.Simulator.Data;

namespace SimByz.Testing.Simulator;

/// <summary>Small labelled images for model tests.</summary>
public static class TestImages
{
    /// <summary>
    /// <paramref name="count"/> images of <paramref name="channels"/>×<paramref name="side"/>×<paramref name="side"/>
    /// pixels: odd classes are brighter in the left half, even classes in the right half, plus N(0, 0.3²)
    /// noise drawn from <paramref name="seed"/>; labels cycle through the classes.
    /// </summary>
    public static Dataset TwoHalves(int count, int channels, int side, ulong seed, int classes = 2)
    {
        var rng = new RandomStream(seed);
        int f = channels * side * side;
        var features = new float[count * f];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % classes;
            for (int c = 0; c < channels; c++)
            {
                for (int r = 0; r < side; r++)
                {
                    for (int col = 0; col < side; col++)
                    {
                        bool left = col < side / 2;
                        double signal = (labels[i] % 2 == 1) == left ? 1.0 : 0.0;
                        features[i * f + (c * side + r) * side + col] = (float)(signal + 0.3 * rng.NextNormal());
                    }
                }
            }
        }
        return new Dataset(features, count, f, labels, classes);
    }
}
