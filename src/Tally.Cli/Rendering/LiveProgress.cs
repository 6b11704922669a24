using Spectre.Console;
using Spectre.Console.Rendering;
using Tally.Engine;

namespace Tally.Cli.Rendering;

/// <summary>Live bars on an interactive stderr: one per input and one overall, with bytes, rows, rate and ETA.</summary>
/// <remarks>
/// It polls <see cref="CountJob.Snapshot"/> on its own loop rather than taking pushed reports, so
/// drawing never runs on a pipeline thread and a slow terminal cannot slow the count.
/// </remarks>
internal sealed class LiveProgress(IAnsiConsole console, CountJob job)
{
    private static readonly TimeSpan s_refresh = TimeSpan.FromMilliseconds(100);

    public Task RunAsync() => console.Progress()
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(
            new TaskDescriptionColumn { Alignment = Justify.Left },
            new ProgressBarColumn(),
            new PercentageColumn(),
            new DownloadedColumn(),
            new RowsColumn(),
            new RemainingTimeColumn(),
            new SpinnerColumn())
        .StartAsync(async context =>
        {
            var first = job.Snapshot();
            var overall = context.AddTask("[bold]all inputs[/]", autoStart: true, maxValue: Math.Max(1, first.TotalLength ?? 1));
            overall.IsIndeterminate = first.TotalLength is null;
            var tasks = first.Sources
                .Select(s => context.AddTask(Markup.Escape(TallyApp.Printable(Path.GetFileName(s.Name))), autoStart: false, maxValue: Math.Max(1, s.Length ?? 1)))
                .ToArray();
            var started = new TimeSpan?[tasks.Length];

            while (true)
            {
                var snapshot = job.Snapshot();
                if (overall.IsIndeterminate && snapshot.TotalLength is { } total)
                {
                    overall.MaxValue = Math.Max(1, total);
                    overall.IsIndeterminate = false;
                }

                Update(overall, snapshot.StoredBytesRead, snapshot.Rows, snapshot.RowsPerSecond, done: false);
                for (int i = 0; i < tasks.Length; i++)
                {
                    var source = snapshot.Sources[i];
                    if (source.Status == SourceStatus.Waiting)
                    {
                        continue;
                    }

                    if (!tasks[i].IsStarted)
                    {
                        tasks[i].StartTask();
                        tasks[i].IsIndeterminate = source.Length is null;
                    }

                    if (tasks[i].IsIndeterminate && source.Length is { } known)
                    {
                        // A download's length is known once its server answered (Content-Length).
                        tasks[i].MaxValue = Math.Max(1, known);
                        tasks[i].IsIndeterminate = false;
                    }

                    started[i] ??= snapshot.Elapsed;
                    var running = snapshot.Elapsed - started[i]!.Value;
                    double rate = running > TimeSpan.Zero ? source.Rows / running.TotalSeconds : 0;
                    Update(tasks[i], source.StoredBytesRead, source.Rows, rate, source.Status == SourceStatus.Done);
                }

                if (job.Result.IsCompleted)
                {
                    if (job.Result.IsCompletedSuccessfully)
                    {
                        overall.Value = overall.MaxValue;
                        overall.StopTask();
                    }

                    break;
                }

                await Task.WhenAny(job.Result, Task.Delay(s_refresh)).ConfigureAwait(false);
            }
        });

    private static void Update(ProgressTask task, long bytes, long rows, double rate, bool done)
    {
        task.Value = Math.Min(task.MaxValue, bytes);
        task.State.Update<long>(RowsColumn.RowsKey, _ => rows);
        task.State.Update<double>(RowsColumn.RateKey, _ => rate);
        if (done)
        {
            task.Value = task.MaxValue;
            task.IsIndeterminate = false;
            task.StopTask();
        }
    }

    /// <summary>Rows counted and rows per second.</summary>
    private sealed class RowsColumn : ProgressColumn
    {
        public const string RowsKey = "rows";
        public const string RateKey = "rate";

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            long rows = task.State.Get<long>(RowsKey);
            double rate = task.State.Get<double>(RateKey);
            return new Text($"{Units.Count(rows)} rows {Units.Rate(rate)} rows/s", new Style(Color.Grey));
        }
    }
}
