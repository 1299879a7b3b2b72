namespace SimByz.Simulator.Data;

/// <summary>
/// Loads or generates a data source's examples for root seed <paramref name="seed"/>: what a data
/// source catalogue entry returns once its spec parameters are read. Must be deterministic in the seed.
/// </summary>
/// <exception cref="SimByzException">Missing or malformed file.</exception>
public delegate LoadedData DataLoader(ulong seed);
