namespace SimByz.Simulator.Data.Readers;

/// <summary>An IDX array: its element type, dimensions and values (converted to float32, row-major).</summary>
public sealed record IdxArray(IdxDataType Type, IReadOnlyList<int> Dimensions, float[] Values)
{
    /// <summary>The first dimension (the number of items).</summary>
    public int Count => Dimensions[0];

    /// <summary>Values per item: the product of the dimensions after the first (1 for a vector).</summary>
    public int ItemSize => Values.Length == 0 ? ProductAfterFirst() : Values.Length / Count;

    private int ProductAfterFirst()
    {
        int p = 1;
        for (int i = 1; i < Dimensions.Count; i++) p *= Dimensions[i];
        return p;
    }
}
