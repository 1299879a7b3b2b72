namespace SimByz.Aggregation.IO;

/// <summary>A 2-D float32 matrix read from a .npy file: <see cref="Rows"/>×<see cref="Columns"/>, row-major.</summary>
/// <param name="Data">The values, row-major (C order), converted to float32.</param>
/// <param name="Rows">n, the first dimension.</param>
/// <param name="Columns">d, the second dimension.</param>
/// <param name="DType">The file's dtype descriptor, e.g. <c>&lt;f8</c>.</param>
public sealed record NpyMatrix(float[] Data, int Rows, int Columns, string DType);
