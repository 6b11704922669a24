namespace Tally.Patterns.Tests;

/// <summary>
/// Python: <c>fut = Future()</c>, <c>fut.add_done_callback(cb)</c>, later <c>fut.set_result(x)</c> from
/// a timer thread. In .NET a <see cref="TaskCompletionSource{TResult}"/> is the settable future, its
/// <see cref="Task{TResult}"/> the read side; <c>ContinueWith</c> is the callback, <c>await</c> the
/// readable replacement for chains of callbacks.
/// </summary>
public sealed class DoneCallbackTests
{
    [Fact]
    public async Task ContinueWith_RunsTheCallbackWithTheResult_OnlyOnceTheFutureCompletes()
    {
        var future = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var callback = future.Task.ContinueWith(done => done.Result * 10, TaskScheduler.Default);

        Assert.False(callback.IsCompleted);
        future.SetResult(4);

        Assert.Equal(40, await callback.WaitOrFailAsync());
    }

    [Fact]
    public async Task ContinueWith_RegisteredAfterCompletion_RunsAtOnce()
    {
        // Like add_done_callback on a finished future: the callback is not lost.
        var future = Task.FromResult("hello");

        string seen = await future.ContinueWith(done => done.Result, TaskScheduler.Default);

        Assert.Equal("hello", seen);
    }

    [Fact]
    public async Task Await_RethrowsTheFuturesException_AndACallbackSeesTheFutureAsFaulted()
    {
        var future = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var callback = future.Task.ContinueWith(done => done.Exception?.InnerException, TaskScheduler.Default);

        future.SetException(new InvalidOperationException("request failed"));

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => future.Task);
        Assert.Equal("request failed", thrown.Message);
        Assert.Same(thrown, await callback);
    }

    [Fact]
    public async Task OnlyOnRanToCompletionCallback_IsCancelledWhenTheFutureFails()
    {
        // A success-only callback does not run on failure; whoever awaits it sees a cancellation,
        // not the original error, which is easy to miss.
        var future = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool ran = false;
        var callback = future.Task.ContinueWith(
            _ => ran = true,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion,
            TaskScheduler.Default);

        future.SetException(new InvalidOperationException("request failed"));

        await Assert.ThrowsAsync<TaskCanceledException>(() => callback);
        Assert.False(ran);
    }

    [Fact]
    public async Task WhenAll_ThrowsTheFirstFailure_AndKeepsEveryFailureOnTheTask()
    {
        // asyncio.gather raises the first exception; return_exceptions=True would keep them all.
        var first = Task.FromException<int>(new InvalidOperationException("first"));
        var second = Task.FromException<int>(new ArgumentException("second"));
        var gathered = Task.WhenAll(first, Task.FromResult(3), second);

        await Assert.ThrowsAsync<InvalidOperationException>(() => gathered);
        Assert.Equal(2, gathered.Exception!.InnerExceptions.Count);
    }

    [Fact]
    public async Task AwaitingATimerBackedFuture_ReplacesTheCallbackChain()
    {
        // network_request_async: a timer completes the request; fetch_square reads it with await
        // instead of registering on_done. The timer runs on a manual clock, so no time passes.
        var clock = new ManualTimeProvider();

        var fetch = FetchSquareAsync(5, clock);
        Assert.False(fetch.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(25, await fetch.WaitOrFailAsync());
    }

    private static async Task<int> FetchSquareAsync(int number, TimeProvider clock)
    {
        var (success, result) = await NetworkRequestAsync(number, clock);
        return success ? result : throw new InvalidOperationException("request failed");
    }

    private static async Task<(bool Success, int Result)> NetworkRequestAsync(int number, TimeProvider clock)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), clock);
        return (true, number * number);
    }
}
