namespace Tally.Patterns.Tests;

/// <summary>
/// Python: a <c>tqdm</c> bar updated as each task completes. In .NET workers bump a lock-free counter
/// and report through <see cref="IProgress{T}"/>; the UI decides how to draw it.
/// </summary>
public sealed class ProgressTests
{
    [Fact]
    public void ProgressFromAnInterlockedCounter_ReportsEachCountOnceAndEndsAtTheTotal()
    {
        const int Items = 1_000;
        var progress = new RecordingProgress();
        long done = 0;

        Parallel.For(0, Items, _ => progress.Report(Interlocked.Increment(ref done)));

        // Reports from different workers interleave, but each count is reported exactly once.
        Assert.Equal(Enumerable.Range(1, Items).Select(i => (long)i), progress.Reports.Order());
    }

    [Fact]
    public async Task ProgressOfT_RunsItsHandlerLater_NotInsideReport()
    {
        // Progress<T> posts the handler to the captured context (here the thread pool), so a report
        // can be drawn after later ones or after the work ended: report running totals, not deltas.
        using var release = new ManualResetEventSlim();
        var handled = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        await Task.Run(() =>
        {
            IProgress<int> progress = new Progress<int>(value =>
            {
                release.WaitOrFail();
                handled.SetResult(value);
            });
            progress.Report(42);
        }).WaitOrFailAsync();

        Assert.False(handled.Task.IsCompleted);
        release.Set();
        Assert.Equal(42, await handled.Task.WaitOrFailAsync());
    }

    /// <summary>Records every report synchronously, on the reporting thread.</summary>
    private sealed class RecordingProgress : IProgress<long>
    {
        private readonly Lock _lock = new();
        private readonly List<long> _reports = [];

        public IReadOnlyList<long> Reports
        {
            get
            {
                lock (_lock)
                {
                    return [.. _reports];
                }
            }
        }

        public void Report(long value)
        {
            lock (_lock)
            {
                _reports.Add(value);
            }
        }
    }
}
