namespace Tally.Patterns.Tests;

/// <summary>Waits on synchronisation primitives with a generous limit, so a broken pattern fails the test instead of hanging it.</summary>
internal static class Gate
{
    /// <summary>Long enough never to be reached by a correct test on a loaded machine; short enough to fail a wrong one promptly.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    public static void WaitOrFail(this ManualResetEventSlim gate)
    {
        if (!gate.Wait(Limit))
        {
            throw new TimeoutException("A gate was never opened: the work did not run the way the test expects.");
        }
    }

    public static Task WaitOrFailAsync(this Task task) => task.WaitAsync(Limit);

    public static Task<T> WaitOrFailAsync<T>(this Task<T> task) => task.WaitAsync(Limit);

    /// <summary>The origin's <c>sum_to_num</c>: add 0..n one by one, a CPU-bound stand-in with a closed-form answer.</summary>
    public static long SumTo(long n)
    {
        long total = 0;
        for (long i = 0; i <= n; i++)
        {
            total += i;
        }

        return total;
    }

    public static long SumToClosedForm(long n) => n * (n + 1) / 2;
}
