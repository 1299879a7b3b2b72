namespace SimByz.Scheduler;

/// <summary>
/// The discrete-event loop: a clock and an <see cref="EventQueue{T}"/>. Handlers receive each event
/// in (time, priority, sequence) order and may schedule or cancel others; the clock never goes back.
/// </summary>
/// <remarks>Not thread-safe. Deterministic: the only inputs are the scheduled events.</remarks>
public sealed class Simulation<T>
{
    private readonly EventQueue<T> _queue;

    public Simulation(int initialCapacity = 64) => _queue = new EventQueue<T>(initialCapacity);

    /// <summary>The time of the event being handled (or last handled).</summary>
    public SimTime Now { get; private set; }

    /// <summary>Events handled so far.</summary>
    public long EventsProcessed { get; private set; }

    /// <summary>Pending events.</summary>
    public int Pending => _queue.Count;

    /// <summary>Schedules at an absolute time, which must not be before <see cref="Now"/>.</summary>
    public EventHandle ScheduleAt(SimTime time, T payload, int priority = 0)
    {
        if (time < Now)
        {
            throw new ArgumentOutOfRangeException(nameof(time), $"cannot schedule at {time}: the clock is already at {Now}");
        }
        return _queue.Schedule(time, priority, payload);
    }

    /// <summary>Schedules after a non-negative delay from <see cref="Now"/>.</summary>
    public EventHandle ScheduleAfter(SimTime delay, T payload, int priority = 0)
    {
        if (delay < SimTime.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), $"negative delay {delay}");
        }
        return _queue.Schedule(Now + delay, priority, payload);
    }

    public bool Cancel(EventHandle handle) => _queue.Cancel(handle);

    /// <summary>The time of the next pending event, or false when none is pending.</summary>
    public bool TryPeekTime(out SimTime time) => _queue.TryPeekTime(out time);

    public bool IsPending(EventHandle handle) => _queue.IsPending(handle);

    /// <summary>Handles the next event, if any.</summary>
    public bool Step(Action<ScheduledEvent<T>> handler)
    {
        if (!_queue.TryDequeue(out var evt)) return false;
        Now = evt.Time;
        EventsProcessed++;
        handler(evt);
        return true;
    }

    /// <summary>Runs until the queue is empty. Returns the number of events handled.</summary>
    public long RunToEmpty(Action<ScheduledEvent<T>> handler) => RunWhile(handler, static () => true);

    /// <summary>Handles every event with time ≤ <paramref name="end"/>, then sets the clock to <paramref name="end"/>.</summary>
    public long RunUntil(SimTime end, Action<ScheduledEvent<T>> handler)
    {
        long before = EventsProcessed;
        while (_queue.TryPeekTime(out var t) && t <= end)
        {
            Step(handler);
        }
        if (end > Now) Now = end;
        return EventsProcessed - before;
    }

    /// <summary>Handles at most <paramref name="count"/> events.</summary>
    public long RunEvents(long count, Action<ScheduledEvent<T>> handler)
    {
        long done = 0;
        while (done < count && Step(handler)) done++;
        return done;
    }

    /// <summary>Handles events while <paramref name="condition"/> holds before each one.</summary>
    public long RunWhile(Action<ScheduledEvent<T>> handler, Func<bool> condition)
    {
        long before = EventsProcessed;
        while (condition() && Step(handler)) { }
        return EventsProcessed - before;
    }
}
