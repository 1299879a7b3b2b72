using System.Runtime.ExceptionServices;

namespace SimByz.Simulator.Engine;

/// <summary>
/// Asynchronous runs: honest workers' messages computed on helper threads while the run's thread goes on with the
/// events. A message is handed over when its worker reads the model (with a copy of the model it read) and is waited
/// for when its computation completes in simulated time (its ComputeDone or Crash event), before anything reads it or
/// its worker again.
/// </summary>
/// <remarks>
/// <para>Determinism: a message depends on the model it read and its own worker's state only
/// (<see cref="Worker.ComputeMessage"/> touches nothing else), the copy holds that model's bits, and everything else
/// (delay draws, the attack, the server, the observers) stays on the run's thread in event order; so which thread
/// computed a message, and when, never reaches a result. The attack's honest view (the workers' latest messages) is
/// read only after every computation handed over so far has finished (<see cref="WaitAll"/>).</para>
/// <para>Memory: at most <see cref="MaxQueued"/> computations (four per helper thread) are queued or running per run; past that the run's thread
/// computes the message itself (no copy), which also puts it to work when the helpers are behind. The model copies
/// (one per queued computation) go back to the run's pool as soon as their computation ends.</para>
/// <para>Errors: an honest message's computation that throws fails the run when the message's computation ends in
/// simulated time (its ComputeDone or Crash event), when the attack next reads the honest view, or at the run's end,
/// whichever comes first, with the exception it threw (of several, the earliest message's). This holds whether the
/// message was handed over or computed on the run's thread (<see cref="HandsOver"/> false, a full queue), so a failing
/// run stops at the same step, with the same error, whatever the thread count.</para>
/// <para>Used by one run's thread; the helpers are process-wide (<see cref="Helpers"/>) and shared by concurrent runs.
/// While as many asynchronous runs are active as threads are allowed (runs side by side already fill the cores), each
/// computes its own messages.</para>
/// </remarks>
internal sealed class GradientPipeline
{
    /// <summary>Computations queued or running per run and helper thread, at most (4 per run on two cores).</summary>
    internal const int QueuedPerHelper = 4;

    /// <summary>Computations queued or running per run, at most: <see cref="QueuedPerHelper"/> per helper thread.</summary>
    public static int MaxQueued => QueuedPerHelper * Math.Max(1, Aggregation.Rules.ChunkRunner.MaxThreads - 1);

    private readonly int _maxQueued = MaxQueued;
    // Asynchronous runs that have computed a message and not yet ended, process-wide: while they fill every thread
    // allowed (a sweep's or a scenario's runs side by side), each computes its own messages (helpers would only add
    // hand-offs and thread switches).
    private static int s_activeRuns;
    private bool _active;

    private readonly Stack<ComputeJob> _jobs = [];
    private readonly Stack<float[]> _copies = [];
    private readonly List<ComputeJob> _outstanding = [];
    private int _queued;

    /// <summary>Tests: false makes a waiting run's thread leave a queued job to the helpers instead of computing it itself,
    /// so that every handed-over message is computed on a helper thread (process-wide; default true).</summary>
    internal static bool RunThreadTakesQueuedJobs { get; set; } = true;

    /// <summary>Asynchronous runs active now, process-wide (see <see cref="End"/>).</summary>
    internal static int ActiveRuns => Volatile.Read(ref s_activeRuns);

    private long _computedByHelpers;

    /// <param name="handsOver">Hand messages to helper threads (see <see cref="Applies"/>); false computes every message on
    /// the run's thread, with the same deferred errors.</param>
    public GradientPipeline(bool handsOver) => HandsOver = handsOver;

    /// <summary>Whether messages go to helper threads at all.</summary>
    public bool HandsOver { get; }

    /// <summary>Messages handed to the helpers so far (some may have been computed by the run's thread all the same).</summary>
    public long HandedOver { get; private set; }

    /// <summary>Messages a helper thread computed so far.</summary>
    public long ComputedByHelpers => Interlocked.Read(ref _computedByHelpers);

    /// <summary>Computations handed over or failed and not yet waited for (0 once the run has ended).</summary>
    internal int Outstanding => _outstanding.Count;

    /// <summary>Whether a run on <paramref name="modelSupportsParallelRuns"/> models with these threads pipelines:
    /// more than one thread allowed, and models whose instances share no process-wide state.</summary>
    public static bool Applies(bool modelSupportsParallelRuns) => modelSupportsParallelRuns && Aggregation.Rules.ChunkRunner.MaxThreads > 1;

    /// <summary>Computes <paramref name="message"/> of <paramref name="worker"/> at <paramref name="x"/>: on a helper when
    /// fewer than <see cref="MaxQueued"/> of this run's computations are queued or running and fewer asynchronous runs
    /// are active than threads are allowed, else right here.</summary>
    public void Compute(Worker worker, SentMessage message, ReadOnlySpan<float> x, OptimizerOptions optimizer, double gamma)
    {
        // A safeguard: every path already waits at the message's ComputeDone or Crash before its worker computes again.
        if (worker.PendingJob is { } previous) Wait(previous);
        if (HandsOver && !_active)
        {
            _active = true;
            Interlocked.Increment(ref s_activeRuns);
        }
        if (!HandsOver || Volatile.Read(ref _queued) >= _maxQueued || Volatile.Read(ref s_activeRuns) >= Aggregation.Rules.ChunkRunner.MaxThreads)
        {
            try
            {
                worker.ComputeMessage(x, optimizer, gamma, message.Payload.Span);
            }
            catch (Exception e)
            {
                // Reported where a handed-over computation's error would be (see the remarks).
                var failed = _jobs.Count > 0 ? _jobs.Pop() : new ComputeJob(this);
                failed.Failed(worker, message, e, _outstanding.Count);
                Track(failed, worker, message);
            }
            return;
        }
        var job = _jobs.Count > 0 ? _jobs.Pop() : new ComputeJob(this);
        float[] copy = TakeCopy(x.Length);
        x.CopyTo(copy);
        job.Prepare(worker, message, copy, x.Length, optimizer, gamma, _outstanding.Count);
        Track(job, worker, message);
        Interlocked.Increment(ref _queued);
        HandedOver++;
        Helpers.Enqueue(job);
    }

    private void Track(ComputeJob job, Worker worker, SentMessage message)
    {
        _outstanding.Add(job);
        message.Job = job;
        worker.PendingJob = job;
    }

    /// <summary>Waits until <paramref name="message"/>'s computation (if it was handed over) has finished; rethrows its error.</summary>
    public void Wait(SentMessage message)
    {
        if (message.Job is { } job) Wait(job);
    }

    /// <summary>Waits for every computation handed over and not yet waited for; then rethrows the error of the failed one
    /// with the lowest message id (the first sent), if any.</summary>
    public void WaitAll()
    {
        Exception? first = null;
        long firstId = long.MaxValue;
        while (_outstanding.Count > 0)
        {
            var job = _outstanding[^1];
            long id = job.Message.Info.Id;
            try
            {
                Wait(job);
            }
            catch (Exception e) when (id < firstId)
            {
                first = e;
                firstId = id;
            }
            catch (Exception)
            {
                // A later message's error: the earliest one is reported.
            }
        }
        if (first is not null) ExceptionDispatchInfo.Throw(first);
    }

    /// <summary>Waits for every computation still running without rethrowing their errors (a run ending on an error or
    /// a cancellation: nothing may write into its buffers afterwards).</summary>
    public void Quiesce()
    {
        while (_outstanding.Count > 0)
        {
            try
            {
                Wait(_outstanding[^1]);
            }
            catch (Exception)
            {
                // The run is already ending on an error of its own (or this one is reported by the caller's path).
            }
        }
    }

    /// <summary>The run has ended (after <see cref="WaitAll"/> or <see cref="Quiesce"/>): it no longer counts among the active runs. Idempotent.</summary>
    public void End()
    {
        if (!_active) return;
        _active = false;
        Interlocked.Decrement(ref s_activeRuns);
    }

    private void Wait(ComputeJob job)
    {
        // Not started yet: the run's thread computes it itself (never waits for a queued job behind other runs' work).
        if (RunThreadTakesQueuedJobs && job.TryClaim()) job.Run(onHelper: false);
        else
        {
            var spin = new SpinWait();
            while (!job.IsDone) spin.SpinOnce(sleep1Threshold: -1);
        }
        var error = job.Error;
        Release(job);
        if (error is not null) ExceptionDispatchInfo.Throw(error);
    }

    private void Release(ComputeJob job)
    {
        int at = job.Slot, last = _outstanding.Count - 1;
        var moved = _outstanding[last];
        _outstanding[at] = moved;
        moved.Slot = at;
        _outstanding.RemoveAt(last);
        job.Message.Job = null;
        if (ReferenceEquals(job.Worker.PendingJob, job)) job.Worker.PendingJob = null;
        job.Clear();
        _jobs.Push(job);
    }

    private float[] TakeCopy(int length)
    {
        lock (_copies)
        {
            while (_copies.Count > 0)
            {
                var c = _copies.Pop();
                if (c.Length >= length) return c;
            }
        }
        return new float[length];
    }

    /// <summary>A computation has ended (on any thread): its model copy goes back to the pool, its slot in the queue bound frees.</summary>
    private void Ended(float[] copy)
    {
        lock (_copies) _copies.Push(copy);
        Interlocked.Decrement(ref _queued);
    }

    /// <summary>One handed-over message: its worker, its model copy, and where its computation stands.</summary>
    internal sealed class ComputeJob(GradientPipeline owner)
    {
        private const int Queued = 0, Running = 1, Done = 2;
        private int _state = Done;
        private float[]? _copy;
        private int _length;
        private OptimizerOptions? _optimizer;
        private double _gamma;

        public Worker Worker { get; private set; } = null!;

        public SentMessage Message { get; private set; } = null!;

        public Exception? Error { get; private set; }

        /// <summary>Index in the owner's outstanding list.</summary>
        public int Slot { get; set; }

        public bool IsDone => Volatile.Read(ref _state) == Done;

        /// <summary>A message to compute from <paramref name="copy"/>: every field first, then the state that lets a helper claim it.</summary>
        public void Prepare(Worker worker, SentMessage message, float[] copy, int length, OptimizerOptions optimizer, double gamma, int slot)
        {
            Set(worker, message, copy, length, optimizer, gamma, slot, error: null);
            Volatile.Write(ref _state, Queued);
        }

        /// <summary>A message whose computation on the run's thread threw <paramref name="error"/>: done (never claimable: a stale
        /// queue entry may still point at this object), to be reported when waited for.</summary>
        public void Failed(Worker worker, SentMessage message, Exception error, int slot)
        {
            Set(worker, message, null, 0, null, 0, slot, error);
            Volatile.Write(ref _state, Done);
        }

        private void Set(Worker worker, SentMessage message, float[]? copy, int length, OptimizerOptions? optimizer, double gamma, int slot, Exception? error)
        {
            Worker = worker;
            Message = message;
            _copy = copy;
            _length = length;
            _optimizer = optimizer;
            _gamma = gamma;
            Slot = slot;
            Error = error;
        }

        /// <summary>Takes the job for the calling thread; false when another thread has it (or it is done).</summary>
        public bool TryClaim() => Interlocked.CompareExchange(ref _state, Running, Queued) == Queued;

        /// <summary>Runs the claimed job; publishes its results (payload, worker state) with the final state. Never throws
        /// (an exception is kept for the run's thread), so a helper thread never dies of one.</summary>
        public void Run(bool onHelper)
        {
            // Set by Prepare: only a Queued job can be claimed, and a failed record is never Queued.
            var copy = _copy!;
            try
            {
                Worker.ComputeMessage(copy.AsSpan(0, _length), _optimizer!, _gamma, Message.Payload.Span);
                if (onHelper) Interlocked.Increment(ref owner._computedByHelpers);
            }
            catch (Exception e)
            {
                Error = e;
            }
            _copy = null;
            try
            {
                owner.Ended(copy);
            }
            catch (Exception e)
            {
                Error ??= e;
            }
            Volatile.Write(ref _state, Done);
        }

        public void Clear()
        {
            Worker = null!;
            Message = null!;
            _optimizer = null;
            Error = null;
        }
    }

    /// <summary>
    /// The process-wide helper threads (<see cref="Aggregation.Rules.ChunkRunner.MaxThreads"/> − 1 of them, made on first
    /// use) and their queue, shared by every run. A helper with nothing to do spins briefly, then sleeps until work comes.
    /// </summary>
    internal static class Helpers
    {
        private static readonly Queue<ComputeJob> Queue = new();
        private static readonly SemaphoreSlim Wake = new(0);
        private static int s_threads;
        private static int s_sleeping;

        /// <summary>Tests: run by a helper on its way to sleep, between counting itself as sleeping and its last look at
        /// the queue (the window where a job can arrive unseen by its spinning); null outside tests.</summary>
        internal static Action? BeforeLastLook { get; set; }

        /// <summary>Jobs waiting in the queue now (stale entries included).</summary>
        internal static int QueuedCount
        {
            get
            {
                lock (Queue) return Queue.Count;
            }
        }

        public static void Enqueue(ComputeJob job)
        {
            EnsureThreads();
            lock (Queue) Queue.Enqueue(job);
            if (Volatile.Read(ref s_sleeping) > 0) Wake.Release();
        }

        private static void EnsureThreads()
        {
            int want = Math.Max(1, Aggregation.Rules.ChunkRunner.MaxThreads - 1);
            if (Volatile.Read(ref s_threads) >= want) return;
            lock (Queue)
            {
                while (s_threads < want)
                {
                    var thread = new Thread(Loop) { IsBackground = true, Name = "simbyz-async-worker-" + s_threads };
                    thread.Start();
                    s_threads++;
                }
            }
        }

        private static ComputeJob? TryDequeue()
        {
            lock (Queue) return Queue.Count > 0 ? Queue.Dequeue() : null;
        }

        private static void Loop()
        {
            while (true)
            {
                var job = TryDequeue();
                if (job is null)
                {
                    // Spin a little (work usually comes within microseconds), then sleep until woken.
                    for (int k = 0; k < 400 && job is null; k++)
                    {
                        Thread.SpinWait(20);
                        job = TryDequeue();
                    }
                    if (job is null)
                    {
                        // Counted as sleeping before the last look, so that a job enqueued after that look wakes it; a job
                        // found by the last look is run (it was dropped here once: a helpers-only run then waited forever).
                        Interlocked.Increment(ref s_sleeping);
                        BeforeLastLook?.Invoke();
                        job = TryDequeue();
                        if (job is null) Wake.Wait();
                        Interlocked.Decrement(ref s_sleeping);
                        if (job is null) continue;
                    }
                }
                // A job the run's thread already took (it waited for it) is skipped.
                if (job.TryClaim()) job.Run(onHelper: true);
            }
        }
    }
}
