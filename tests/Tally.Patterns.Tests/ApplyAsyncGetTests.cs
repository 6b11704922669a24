namespace Tally.Patterns.Tests;

/// <summary>
/// Python: <c>r = pool.apply_async(f, args)</c> for each job, then <c>r.get()</c> for each in submission
/// order. The jobs overlap, but a fast job's result waits behind every slower job submitted before it.
/// </summary>
public sealed class ApplyAsyncGetTests
{
    [Fact]
    public async Task AwaitingInSubmissionOrder_HoldsBackTheFastResultUntilTheSlowTaskSubmittedFirstFinishes()
    {
        var releaseSlow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = Task.Run(async () =>
        {
            await releaseSlow.Task;
            return Gate.SumTo(200);
        });
        var fast = Task.Run(() => Gate.SumTo(50));

        var observed = new List<long>();
        var consumer = Task.Run(async () =>
        {
            foreach (var task in new[] { slow, fast })
            {
                observed.Add(await task);
            }
        });

        await fast.WaitOrFailAsync();
        // The fast result exists, yet the consumer, stuck on the slow task, has reported nothing.
        Assert.Empty(observed);

        releaseSlow.SetResult();
        await consumer.WaitOrFailAsync();

        Assert.Equal([Gate.SumToClosedForm(200), Gate.SumToClosedForm(50)], observed);
    }

    [Fact]
    public async Task WhenEach_YieldsFastTaskBeforeSlowTaskSubmittedFirst()
    {
        // The slow task finishes only after the consumer has received a first result; if WhenEach
        // waited for the slow task (submission order) it would never get one and the test times out.
        var firstArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = Task.Run(async () =>
        {
            await firstArrived.Task;
            return Gate.SumTo(200);
        });
        var fast = Task.Run(() => Gate.SumTo(50));

        var arrivals = new List<long>();
        async Task ConsumeAsync()
        {
            await foreach (var done in Task.WhenEach(slow, fast))
            {
                arrivals.Add(await done);
                firstArrived.TrySetResult();
            }
        }

        await ConsumeAsync().WaitOrFailAsync();

        Assert.Equal([Gate.SumToClosedForm(50), Gate.SumToClosedForm(200)], arrivals);
    }
}
