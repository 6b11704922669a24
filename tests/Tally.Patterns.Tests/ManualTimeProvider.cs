using System.Diagnostics;

namespace Tally.Patterns.Tests;

/// <summary>A clock that moves only when a test calls <see cref="Advance"/>; its timers fire inside that call, in due-time order.</summary>
/// <remarks>
/// Microsoft.Extensions.TimeProvider.Testing has a fuller FakeTimeProvider, but it is not in this
/// environment's package feed, and the BCL's <see cref="TimeProvider"/> only needs these overrides
/// for <c>Task.Delay</c>, <c>Task.WaitAsync</c> and <see cref="PeriodicTimer"/> to run on virtual time.
/// </remarks>
internal sealed class ManualTimeProvider : TimeProvider
{
    private static readonly DateTimeOffset s_epoch = new(2012, 7, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Guards <see cref="_now"/>, <see cref="_armed"/> and <see cref="_nextSequence"/>.</summary>
    private readonly Lock _lock = new();

    /// <summary>Virtual time since <see cref="s_epoch"/>, in ticks.</summary>
    private long _now;

    /// <summary>Timers waiting to fire, in no particular order.</summary>
    private readonly List<ManualTimer> _armed = [];

    /// <summary>Breaks ties between timers due at the same instant: the one armed first fires first.</summary>
    private long _nextSequence;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return s_epoch.AddTicks(_now);
        }
    }

    public override long GetTimestamp()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way at its own due time.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        long target;
        lock (_lock)
        {
            target = _now + by.Ticks;
        }

        while (true)
        {
            ManualTimer? next;
            lock (_lock)
            {
                next = _armed
                    .Where(t => t.DueAt <= target)
                    .OrderBy(t => t.DueAt)
                    .ThenBy(t => t.Sequence)
                    .FirstOrDefault();
                if (next is null)
                {
                    _now = target;
                    return;
                }

                Debug.Assert(next.DueAt >= _now, "A timer is never due in the past.");
                _now = next.DueAt;
                if (next.Period > 0)
                {
                    next.DueAt += next.Period;
                    next.Sequence = _nextSequence++;
                }
                else
                {
                    _armed.Remove(next);
                }
            }

            // Outside the lock: a callback may read the clock or re-arm timers.
            next.Fire();
        }
    }

    private void Arm(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        lock (_lock)
        {
            _armed.Remove(timer);
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return;
            }

            timer.DueAt = _now + dueTime.Ticks;
            timer.Period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
            timer.Sequence = _nextSequence++;
            _armed.Add(timer);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        /// <summary>Virtual time at which the timer fires next; guarded by the clock's lock.</summary>
        public long DueAt { get; set; }

        /// <summary>Ticks between firings, or 0 for a one-shot timer; guarded by the clock's lock.</summary>
        public long Period { get; set; }

        /// <summary>Arming order, for ties; guarded by the clock's lock.</summary>
        public long Sequence { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            clock.Arm(this, dueTime, period);
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose() => clock.Arm(this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
