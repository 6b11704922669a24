namespace Tally.Patterns.Tests;

/// <summary>
/// Python: <c>Parallel(n_jobs=3, prefer="threads")(delayed(cube)(i) for i in range(1, 1000))</c>, a
/// list comprehension run on a bounded set of workers with results in input order. In .NET threads
/// are the default back end and run in parallel, so the thread "preference" is simply the normal case.
/// </summary>
public sealed class JoblibParallelTests
{
    private const int Jobs = 3;

    private static readonly int[] s_inputs = [.. Enumerable.Range(1, 999)];

    [Fact]
    public void ParallelForEachWithMaxDegree_MatchesSerialAndNeverRunsMoreThanTheDegree()
    {
        long[] results = new long[s_inputs.Length];
        int inFlight = 0;
        int peak = 0;

        Parallel.ForEach(
            s_inputs,
            new ParallelOptions { MaxDegreeOfParallelism = Jobs },
            (x, _, index) =>
            {
                int now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref peak, now);
                results[index] = Cube(x);
                Thread.SpinWait(1_000);
                Interlocked.Decrement(ref inFlight);
            });

        Assert.Equal(s_inputs.Select(Cube), results);
        Assert.InRange(peak, 1, Jobs);
    }

    [Fact]
    public void PlinqAsOrderedWithDegree_MatchesTheSerialListComprehension()
    {
        long[] results = s_inputs
            .AsParallel()
            .AsOrdered()
            .WithDegreeOfParallelism(Jobs)
            .Select(Cube)
            .ToArray();

        Assert.Equal(s_inputs.Select(Cube), results);
    }

    private static long Cube(int x) => (long)x * x * x;

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) &&
               Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
