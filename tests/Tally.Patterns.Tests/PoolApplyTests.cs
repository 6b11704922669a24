namespace Tally.Patterns.Tests;

/// <summary>
/// Python: <c>pool.apply(f, args)</c> once per job. Each call blocks until its job is done, so N jobs
/// take the sum of their times instead of the longest one. The async version of the same mistake is an
/// <c>await</c> inside the loop that submits the work.
/// </summary>
/// <remarks>
/// No test here reads a clock: overlap is shown by counting how many calls are in flight at once, and
/// "all calls overlap" by a rendezvous that only opens when every call is running.
/// </remarks>
public sealed class PoolApplyTests
{
    private const int Calls = 4;

    [Fact]
    public void BlockingOnEachCallInALoop_RunsTheCallsOneAtATime()
    {
        var meter = new InFlightMeter();

        for (int i = 0; i < Calls; i++)
        {
            // Pool.apply: hand the job to the pool, then block until it is done.
#pragma warning disable xUnit1031 // Blocking is the behaviour under test.
            _ = Task.Run(() => meter.Measure(() => Gate.SumTo(100_000))).Result;
#pragma warning restore xUnit1031
        }

        Assert.Equal(Calls, meter.Completed);
        Assert.Equal(1, meter.Peak);
    }

    [Fact]
    public async Task SubmittingEveryCallBeforeWaiting_RunsAllCallsAtTheSameTime()
    {
        // Each call waits at the barrier until all the others have arrived, so the test passes only
        // if all calls are running at once. LongRunning gives each call its own thread, like a pool
        // with one worker per job; blocking calls on the shared thread pool would starve it.
        using var everyoneRunning = new Barrier(Calls);
        var meter = new InFlightMeter();

        var calls = Enumerable.Range(0, Calls)
            .Select(_ => Task.Factory.StartNew(
                () => meter.Measure(() =>
                {
                    if (!everyoneRunning.SignalAndWait(Gate.Limit))
                    {
                        throw new TimeoutException("The calls did not all run at the same time.");
                    }

                    return Gate.SumTo(100_000);
                }),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default))
            .ToArray();
        long[] results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.Equal(Gate.SumToClosedForm(100_000), r));
        Assert.Equal(Calls, meter.Peak);
    }

    [Fact]
    public async Task AwaitingInsideTheSubmitLoop_RunsAsyncCallsOneAtATime()
    {
        var meter = new InFlightMeter();

        for (int i = 0; i < Calls; i++)
        {
            await meter.MeasureAsync(async () => await Task.Yield());
        }

        Assert.Equal(1, meter.Peak);
    }

    [Fact]
    public async Task StartingEveryAsyncCallThenWhenAll_RunsAllCallsAtTheSameTime()
    {
        var meter = new InFlightMeter();
        var everyoneRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int arrived = 0;

        async Task CallAsync()
        {
            if (Interlocked.Increment(ref arrived) == Calls)
            {
                everyoneRunning.SetResult();
            }

            await everyoneRunning.Task;
        }

        var calls = Enumerable.Range(0, Calls).Select(_ => meter.MeasureAsync(CallAsync)).ToArray();
        await Task.WhenAll(calls).WaitOrFailAsync();

        Assert.Equal(Calls, meter.Peak);
    }

    /// <summary>Counts calls in flight and remembers the most seen at once.</summary>
    private sealed class InFlightMeter
    {
        private int _inFlight;
        private int _peak;
        private int _completed;

        public int Peak => Volatile.Read(ref _peak);

        public int Completed => Volatile.Read(ref _completed);

        public T Measure<T>(Func<T> call)
        {
            Enter();
            try
            {
                return call();
            }
            finally
            {
                Leave();
            }
        }

        public async Task MeasureAsync(Func<Task> call)
        {
            Enter();
            try
            {
                await call();
            }
            finally
            {
                Leave();
            }
        }

        private void Enter()
        {
            int now = Interlocked.Increment(ref _inFlight);
            int peak;
            while (now > (peak = Volatile.Read(ref _peak)) &&
                   Interlocked.CompareExchange(ref _peak, now, peak) != peak)
            {
            }
        }

        private void Leave()
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Increment(ref _completed);
        }
    }
}
