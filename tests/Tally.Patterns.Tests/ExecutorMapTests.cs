using System.Collections.Concurrent;

namespace Tally.Patterns.Tests;

/// <summary>
/// Python: <c>for r in executor.map(f, items)</c>. The items run in parallel, but results come back in
/// submission order, so a fast item's result waits behind a slow one submitted before it.
/// </summary>
/// <remarks>
/// Item 0 is "slow": it finishes only after item 1 ("fast") has finished, enforced by a gate rather
/// than by a sleep, so the order of completion is fixed and the tests only look at order of delivery.
/// </remarks>
public sealed class ExecutorMapTests
{
    private static readonly int[] s_slowThenFast = [0, 1];

    [Fact]
    public async Task PlinqAsOrdered_DeliversResultsInInputOrder_EvenWhenALaterItemFinishesFirst()
    {
        using var fastFinished = new ManualResetEventSlim();
        var finished = new ConcurrentQueue<int>();
        var delivered = new List<int>();

        var results = s_slowThenFast
            .AsParallel()
            .AsOrdered()
            .WithDegreeOfParallelism(2)
            .WithExecutionMode(ParallelExecutionMode.ForceParallelism)
            .Select(item =>
            {
                if (item == 0)
                {
                    fastFinished.WaitOrFail();
                }

                finished.Enqueue(item);
                if (item == 1)
                {
                    fastFinished.Set();
                }

                return item;
            });

        // The consumer blocks while the slow item waits, and both items need a pool thread; consuming
        // on a dedicated thread leaves the pool's threads to the items instead of starving them.
        await Task.Factory.StartNew(
            () =>
            {
                foreach (int item in results)
                {
                    delivered.Add(item);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).WaitOrFailAsync();

        Assert.Equal([1, 0], finished);
        Assert.Equal([0, 1], delivered);
    }

    [Fact]
    public async Task ParallelForEachAsync_HandsOverEachResultAsSoonAsItIsReady()
    {
        var fastDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var delivered = new ConcurrentQueue<int>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = 2 };

        // The slow item waits until the fast item's result has been handed over: were delivery held
        // back in input order, neither would ever be delivered and the test would time out.
        await Parallel.ForEachAsync(s_slowThenFast, options, async (item, cancellationToken) =>
        {
            if (item == 0)
            {
                await fastDelivered.Task.WaitAsync(cancellationToken);
            }

            delivered.Enqueue(item);
            if (item == 1)
            {
                fastDelivered.SetResult();
            }
        }).WaitOrFailAsync();

        Assert.Equal([1, 0], delivered);
    }

    [Fact]
    public async Task WhenEachOverSubmittedTasks_DeliversInCompletionOrder()
    {
        var fastDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var submitted = s_slowThenFast
            .Select(item => Task.Run(async () =>
            {
                if (item == 0)
                {
                    await fastDelivered.Task;
                }

                return item;
            }))
            .ToArray();

        var delivered = new List<int>();
        async Task ConsumeAsync()
        {
            await foreach (var done in Task.WhenEach(submitted))
            {
                delivered.Add(await done);
                fastDelivered.TrySetResult();
            }
        }

        await ConsumeAsync().WaitOrFailAsync();

        Assert.Equal([1, 0], delivered);
    }
}
