using System.Collections.Concurrent;

namespace Tally.Patterns.Tests;

/// <summary>
/// Python: <c>loop.call_later(delay, cb)</c> and <c>loop.call_at(when, cb)</c> schedule callbacks on the
/// event loop, which runs each when its time comes, in time order. In .NET, <c>await Task.Delay</c> and
/// <see cref="PeriodicTimer"/> do the same, and both accept a <see cref="TimeProvider"/>, so a test can
/// move time by hand instead of waiting for it.
/// </summary>
public sealed class EventLoopTimerTests
{
    [Fact]
    public void TaskDelay_CompletesOnlyWhenTheClockReachesItsDueTime()
    {
        var clock = new ManualTimeProvider();

        var delay = Task.Delay(TimeSpan.FromSeconds(1), clock);
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(delay.IsCompleted);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(delay.IsCompletedSuccessfully);
    }

    [Fact]
    public void ScheduledCallbacks_RunInDueTimeOrder_NotInSchedulingOrder()
    {
        var clock = new ManualTimeProvider();
        var ran = new ConcurrentQueue<string>();

        CallLater(clock, TimeSpan.FromSeconds(3), () => ran.Enqueue("later 3s"));
        CallAt(clock, clock.GetUtcNow().AddSeconds(2), () => ran.Enqueue("at +2s"));
        CallLater(clock, TimeSpan.FromSeconds(1), () => ran.Enqueue("later 1s"));
        Assert.Empty(ran);

        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["later 1s", "at +2s", "later 3s"], ran);
    }

    [Fact]
    public async Task PeriodicTimer_TicksOncePerPeriodOfClockTime_AndStopsWhenDisposed()
    {
        var clock = new ManualTimeProvider();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);

        for (int i = 0; i < 3; i++)
        {
            var tick = timer.WaitForNextTickAsync().AsTask();
            Assert.False(tick.IsCompleted);
            clock.Advance(TimeSpan.FromSeconds(1));
            Assert.True(await tick.WaitOrFailAsync());
        }

        var afterDispose = timer.WaitForNextTickAsync();
        timer.Dispose();
        Assert.False(await afterDispose);
    }

    [Fact]
    public async Task WaitAsyncOnTheClock_TimesOutAtTheClocksDueTime()
    {
        // asyncio.wait_for(aw, timeout): the timeout is a timer on the same clock.
        var clock = new ManualTimeProvider();
        var never = new TaskCompletionSource().Task;

        var bounded = never.WaitAsync(TimeSpan.FromSeconds(30), clock);
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(bounded.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<TimeoutException>(() => bounded);
    }

    /// <summary>loop.call_later: run <paramref name="callback"/> once <paramref name="delay"/> has passed on <paramref name="clock"/>.</summary>
    private static Task CallLater(TimeProvider clock, TimeSpan delay, Action callback) =>
        Task.Delay(delay, clock).ContinueWith(
            _ => callback(),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>loop.call_at: run <paramref name="callback"/> when <paramref name="clock"/> reads <paramref name="when"/>.</summary>
    private static Task CallAt(TimeProvider clock, DateTimeOffset when, Action callback) =>
        CallLater(clock, when - clock.GetUtcNow(), callback);
}
