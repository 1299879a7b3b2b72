using SimByz.Aggregation;
using SimByz.Simulator.Engine;
using Xunit;

namespace SimByz.Tests.Properties.Simulator;

/// <summary>
/// <see cref="RunBuffers"/>, the pool through which runs hand their message slabs on, against a model of it under any
/// sequence of takes and gives: what a run takes is zeroed, long enough, never held by anyone else, and is the model's
/// choice (the smallest kept buffer that fits within the slack, else a new one); the pool never keeps more than its bound.
/// </summary>
public class RunBuffersProperties
{
    /// <summary>
    /// Operations from FsCheck's integer arrays: a value ≥ 0 (or any value while nothing is held) takes a buffer of
    /// |value| mod 3 000 floats; a negative one gives back one of the held buffers (chosen by the value), after writing NaN
    /// over it as a finished run might leave it.
    /// </summary>
    [BudgetedProperty]
    public void AnySequence_TakesZeroedUnsharedBuffersAsTheModelChooses(int[] operations)
    {
        var pool = new RunBuffers();
        var model = new List<AlignedFloats>(); // what the pool keeps, as the model sees it
        var held = new List<AlignedFloats>();
        foreach (int op in operations ?? [])
        {
            if (op >= 0 || held.Count == 0)
            {
                int length = (int)(Math.Abs((long)op) % 3000);
                var fits = model.Where(a => a.Length >= length && a.Length <= (long)RunBuffers.MaxSlack * length).ToList();
                var taken = pool.Take(length);
                Assert.True(taken.Length >= length, $"asked {length}, got {taken.Length}");
                Assert.True(taken.Span.ToArray().All(x => x == 0f && !float.IsNegative(x)), "a taken buffer is not zeroed");
                Assert.DoesNotContain(held, h => ReferenceEquals(h.Array, taken.Array));
                if (fits.Count == 0)
                {
                    Assert.DoesNotContain(model, a => ReferenceEquals(a.Array, taken.Array));
                }
                else
                {
                    // The smallest that fits (any of equal length: they are interchangeable).
                    int smallest = fits.Min(a => a.Length);
                    int at = model.FindIndex(a => ReferenceEquals(a.Array, taken.Array));
                    Assert.True(at >= 0, $"asked {length}: a new buffer although one of {smallest} was kept");
                    Assert.Equal(smallest, model[at].Length);
                    model.RemoveAt(at);
                }
                held.Add(taken);
            }
            else
            {
                int k = (int)((-(long)op) % held.Count);
                var given = held[k];
                held.RemoveAt(k);
                given.Span.Fill(float.NaN);
                pool.Give(given);
                if (model.Count < RunBuffers.MaxKept) model.Add(given);
            }
            Assert.Equal(model.Count, pool.Kept);
            Assert.InRange(pool.Kept, 0, RunBuffers.MaxKept);
        }
    }

    /// <summary>
    /// However many runs end at once (every buffer of a generated set of lengths given back together), the pool keeps at
    /// most <see cref="RunBuffers.MaxKept"/> of them, the first given, and hands those out again.
    /// </summary>
    [BudgetedProperty]
    public void ManyGivenAtOnce_AtMostMaxKeptKept(int[] lengths)
    {
        var pool = new RunBuffers();
        var taken = (lengths ?? []).Select(l => pool.Take((int)(Math.Abs((long)l) % 3000))).ToList();
        foreach (var b in taken) pool.Give(b);
        int kept = Math.Min(taken.Count, RunBuffers.MaxKept);
        Assert.Equal(kept, pool.Kept);
        var first = taken.Take(kept).Select(b => b.Array).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var b in taken.Take(kept).OrderBy(b => b.Length)) Assert.Contains(pool.Take(b.Length).Array, first);
        Assert.Equal(0, pool.Kept);
    }
}
