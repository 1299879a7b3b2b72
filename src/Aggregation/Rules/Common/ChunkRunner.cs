using System.Runtime.ExceptionServices;

namespace SimByz.Aggregation.Rules;

/// <summary>A unit of parallel work cut into a fixed number of independent chunks.</summary>
internal interface IChunkJob
{
    /// <summary>Runs chunk <paramref name="chunk"/>; chunks write disjoint outputs.</summary>
    void RunChunk(int chunk);
}

/// <summary>
/// The order in which <see cref="ChunkRunner"/> hands chunks out. Which chunk runs first never reaches a result (each
/// chunk writes its own slot and the caller combines the slots in chunk order); only what is still in the caches does.
/// </summary>
/// <remarks>
/// A rule that reads its input in two passes runs the second <see cref="Descending"/>: the first pass's last chunks,
/// the ones most likely still in L2 and L3, are read again first instead of last, after every other chunk has pushed
/// them out (since session 30; speed only).
/// </remarks>
internal enum ChunkOrder
{
    /// <summary>Chunk 0 first.</summary>
    Ascending,

    /// <summary>The last chunk first.</summary>
    Descending,
}

/// <summary>
/// Runs the chunks of an <see cref="IChunkJob"/> on a small persistent pool of helper threads plus
/// the calling thread, allocating nothing per call.
/// </summary>
/// <remarks>
/// Determinism: the number of chunks and their boundaries are chosen by the caller, never from the
/// thread count: from the data shape, or (where no result spans two chunks, as in the mean kernel, whose
/// chunks start on 64-byte boundaries) from anything that does not reach a result; each chunk writes its
/// own slot and the caller combines the slots in chunk order. Which thread runs which chunk therefore never reaches a result, and
/// <see cref="MaxThreads"/> = 1 gives the same bits as any other value. One job runs at a time: a
/// call made while another thread's job is running runs its chunks inline on the calling thread.
/// </remarks>
internal static class ChunkRunner
{
    private static int s_maxThreads = Math.Max(1, Environment.ProcessorCount);
    private static int s_busy;
    private static Helper[] s_helpers = [];
    private static IChunkJob? s_job;
    private static int s_count;
    private static bool s_descending;
    private static int s_next;
    private static int s_remaining;
    private static Exception? s_error;
    private static readonly ManualResetEventSlim Done = new(false);

    /// <summary>Upper bound on threads used (calling thread included); 1 runs everything inline.</summary>
    public static int MaxThreads
    {
        get => Volatile.Read(ref s_maxThreads);
        set => Volatile.Write(ref s_maxThreads, Math.Max(1, value));
    }

    /// <summary>Runs chunks 0 … <paramref name="chunkCount"/>−1 of <paramref name="job"/> and returns when all are done.</summary>
    public static void Run(IChunkJob job, int chunkCount, ChunkOrder order = ChunkOrder.Ascending)
    {
        int threads = Math.Min(MaxThreads, chunkCount);
        bool descending = order == ChunkOrder.Descending;
        if (threads <= 1 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int c = 0; c < chunkCount; c++) job.RunChunk(descending ? chunkCount - 1 - c : c);
            return;
        }
        try
        {
            int helpers = threads - 1;
            EnsureHelpers(helpers);
            s_job = job;
            s_count = chunkCount;
            s_descending = descending;
            s_error = null;
            Volatile.Write(ref s_next, -1);
            Volatile.Write(ref s_remaining, helpers);
            Done.Reset();
            for (int h = 0; h < helpers; h++) s_helpers[h].Start.Release();
            Work();
            Done.Wait();
            s_job = null;
            if (s_error is { } error) ExceptionDispatchInfo.Throw(error);
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    private static void Work()
    {
        try
        {
            int c;
            while ((c = Interlocked.Increment(ref s_next)) < s_count) s_job!.RunChunk(s_descending ? s_count - 1 - c : c);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref s_error, e, null);
            Volatile.Write(ref s_next, s_count);
        }
    }

    private static void EnsureHelpers(int count)
    {
        if (s_helpers.Length >= count) return;
        var grown = new Helper[count];
        Array.Copy(s_helpers, grown, s_helpers.Length);
        for (int h = s_helpers.Length; h < count; h++) grown[h] = new Helper(h);
        s_helpers = grown;
    }

    private sealed class Helper
    {
        public readonly SemaphoreSlim Start = new(0);

        public Helper(int id)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = "simbyz-aggregation-" + id };
            thread.Start();
        }

        private void Loop()
        {
            while (true)
            {
                Start.Wait();
                Work();
                if (Interlocked.Decrement(ref s_remaining) == 0) Done.Set();
            }
        }
    }
}
