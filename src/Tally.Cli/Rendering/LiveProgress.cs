using System.Collections.Concurrent;
using Tally.Engine;

namespace Tally.Cli.Rendering;

/// <summary>The live display on an interactive stderr: the inputs being read, a line counting the others, and the overall bar last.</summary>
/// <remarks>
/// It polls <see cref="CountJob.Snapshot"/> on its own loop rather than taking pushed reports, so
/// drawing never runs on a pipeline thread and a slow terminal cannot slow the count. A finished
/// input leaves the live area; with <c>--verbose</c> it leaves one line above it, as cargo's
/// "Compiling" lines do. Lines for other work (downloads, cluster nodes) come from
/// <paramref name="extra"/> and are drawn like inputs.
/// </remarks>
internal sealed class LiveProgress(ProgressTerminal terminal, CountJob job, bool verbose, TimeProvider time, IReadOnlyList<IStatusLines>? extra = null)
{
    private static readonly TimeSpan s_refresh = TimeSpan.FromMilliseconds(100);

    public async Task RunAsync()
    {
        var tracker = new ProgressTracker(extra);
        var display = new LiveDisplay(terminal);
        var finished = new ConcurrentQueue<SourceCompletion>();

        // Completions arrive on the job's side; the queue hands them to this loop, the only one that draws.
        var completions = Task.Run(async () =>
        {
            await foreach (var done in job.Completions.ConfigureAwait(false))
            {
                finished.Enqueue(done);
            }
        });

        try
        {
            while (true)
            {
                bool last = job.Result.IsCompleted;
                if (last)
                {
                    await completions.ConfigureAwait(false);
                }

                var above = new List<string>();
                while (finished.TryDequeue(out var done))
                {
                    if (done.IsLeftOut)
                    {
                        tracker.Failed();
                    }

                    if (verbose)
                    {
                        above.Add(PlainProgress.Describe(done));
                    }
                }

                var (width, height) = terminal.Size();
                display.Draw(above, last ? [] : ProgressLayout.Render(tracker.Next(job.Snapshot()), width, height));
                if (last)
                {
                    break;
                }

                await Task.WhenAny(job.Result, Task.Delay(s_refresh, time)).ConfigureAwait(false);
            }
        }
        finally
        {
            display.Clear();
        }
    }
}
