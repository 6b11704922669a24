using System.Collections.Concurrent;

namespace Tally.Patterns.Tests;

/// <summary>
/// Python: <c>Pool().map(f, range(10, N))</c> against a plain loop. With N = 5,000,000 the pool wins;
/// with N = 10,000 the loop is about 70 times faster, because starting workers and shipping work to
/// them costs more than the work. The costs are fixed per call, so they dominate tiny inputs.
/// </summary>
/// <remarks>
/// Timings belong in a benchmark, not a test; docs/python-to-dotnet.md has measured numbers. These
/// tests show the mechanism: the parallel loop schedules tasks whatever the input size, and sizing
/// chunks so each task has real work leaves a tiny input with one chunk, which is the serial loop.
/// </remarks>
public sealed class TinyInputTests
{
    [Fact]
    public void ParallelFor_OnATinyInput_StillHandsWorkToOtherTasks()
    {
        var scheduler = new CountingScheduler();
        var squareRoots = new double[8];

        Parallel.For(
            0,
            squareRoots.Length,
            new ParallelOptions { TaskScheduler = scheduler },
            i => squareRoots[i] = Math.Sqrt(i));

        Assert.Equal(Enumerable.Range(0, 8).Select(i => Math.Sqrt(i)), squareRoots);
        Assert.True(scheduler.Queued >= 1, "Parallel.For ran inline only.");
    }

    [Theory]
    [InlineData(10, 1)]
    [InlineData(10_000, 1)]
    [InlineData(200_000, 20)]
    public void RangePartitionerSizedForRealWork_GivesATinyInputASingleChunk(int n, int expectedChunks)
    {
        const int MinimumChunk = 10_000;
        int chunks = 0;
        double total = 0;
        var gate = new Lock();

        Parallel.ForEach(ChunkRanges(n, MinimumChunk), range =>
        {
            Interlocked.Increment(ref chunks);
            double partial = 0;
            for (int i = range.Item1; i < range.Item2; i++)
            {
                partial += Math.Sqrt(i);
            }

            lock (gate)
            {
                total += partial;
            }
        });

        double serial = 0;
        for (int i = 0; i < n; i++)
        {
            serial += Math.Sqrt(i);
        }

        Assert.Equal(expectedChunks, chunks);
        Assert.Equal(serial, total, tolerance: Math.Abs(serial) * 1e-12);
    }

    private static OrderablePartitioner<Tuple<int, int>> ChunkRanges(int n, int minimumChunk) =>
        Partitioner.Create(0, n, minimumChunk);

    /// <summary>Runs tasks on the thread pool and counts how many were queued rather than run inline.</summary>
    private sealed class CountingScheduler : TaskScheduler
    {
        private int _queued;

        public int Queued => Volatile.Read(ref _queued);

        protected override void QueueTask(Task task)
        {
            Interlocked.Increment(ref _queued);
            ThreadPool.UnsafeQueueUserWorkItem(_ => TryExecuteTask(task), null);
        }

        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => TryExecuteTask(task);

        protected override IEnumerable<Task>? GetScheduledTasks() => null;
    }
}
