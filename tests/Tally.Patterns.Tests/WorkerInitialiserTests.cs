using System.Collections.Concurrent;

namespace Tally.Patterns.Tests;

/// <summary>
/// Python: <c>ProcessPoolExecutor(initializer=init, initargs=(counter,))</c>, where <c>init</c> stores
/// state in a global of each worker process. Processes need it because they share no memory; threads
/// share everything, so the .NET question is the opposite: how to give each worker private state
/// (no lock on the hot path) and merge it once at the end.
/// </summary>
public sealed class WorkerInitialiserTests
{
    private const int N = 200_000;

    [Fact]
    public void ParallelForLocalInit_GivesEachWorkerItsOwnStateAndMergesToTheClosedForm()
    {
        var created = new ConcurrentBag<WorkerState>();
        long total = 0;

        Parallel.For(
            1,
            N + 1,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            localInit: () =>
            {
                var state = new WorkerState();
                created.Add(state);
                return state;
            },
            body: (i, _, state) =>
            {
                state.Sum += i;
                state.Items++;
                return state;
            },
            localFinally: state =>
            {
                Interlocked.Increment(ref state.Merges);
                Interlocked.Add(ref total, state.Sum);
            });

        Assert.Equal(Gate.SumToClosedForm(N), total);
        Assert.NotEmpty(created);
        Assert.All(created, state => Assert.Equal(1, state.Merges));
        Assert.Equal(N, created.Sum(state => state.Items));
    }

    [Fact]
    public void ThreadLocal_RunsItsInitialiserOncePerWorkerThread()
    {
        var initialisedOn = new ConcurrentBag<int>();
        using var perThread = new ThreadLocal<WorkerState>(
            () =>
            {
                initialisedOn.Add(Environment.CurrentManagedThreadId);
                return new WorkerState();
            },
            trackAllValues: true);

        Parallel.For(1, N + 1, i => perThread.Value!.Sum += i);

        Assert.Equal(Gate.SumToClosedForm(N), perThread.Values.Sum(state => state.Sum));
        Assert.Equal(initialisedOn.Count, perThread.Values.Count);
        Assert.Equal(initialisedOn.Count, initialisedOn.Distinct().Count());
    }

    /// <summary>One worker's private partial result.</summary>
    private sealed class WorkerState
    {
        public long Sum;
        public int Items;
        public int Merges;
    }
}
