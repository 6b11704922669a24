using Tally.Engine;

namespace Tally.Cli.Rendering;

/// <summary>Turns the job's snapshots into <see cref="ProgressFrame"/>s: which inputs are on screen, and rates that mean something.</summary>
/// <remarks>
/// A running input's rate is its recent one (over the last <see cref="Window"/>), not the rate
/// since the job began, which a slow start or a long wait for a reader would drag down for
/// minutes; a finished input's rate freezes at its final value (its rows over its own time).
/// Fed from one loop only: not thread-safe, and needs not be.
/// </remarks>
internal sealed class ProgressTracker(IReadOnlyList<IStatusLines>? extra = null)
{
    /// <summary>How far back a recent rate looks: long enough to smooth block-sized steps, short enough to follow a change.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    private readonly Dictionary<int, Rates> _rates = [];
    private readonly Rates _overall = new();
    private readonly IReadOnlyList<IStatusLines> _extra = extra ?? [];
    private int _tick;
    private int _failed;

    /// <summary>An input left out (<c>--skip-bad-files</c>); the snapshot shows it only as done.</summary>
    public void Failed() => _failed++;

    public ProgressFrame Next(CountProgress snapshot)
    {
        var now = snapshot.Elapsed;
        var running = new List<ProgressItem>();
        int waiting = 0, done = 0, counting = 0;
        for (int i = 0; i < snapshot.Sources.Count; i++)
        {
            var source = snapshot.Sources[i];
            switch (source.Status)
            {
                case SourceStatus.Waiting:
                    waiting++;
                    continue;
                case SourceStatus.Done:
                    done++;
                    _rates.Remove(i);
                    continue;
            }

            if (!_rates.TryGetValue(i, out var rates))
            {
                _rates[i] = rates = new Rates();
            }

            rates.Add(now, source.StoredBytesRead, source.Rows);
            if (source.Length is { } size && source.StoredBytesRead >= size)
            {
                // Read to the end: its reader has moved on, and the line would only show a full bar.
                counting++;
                continue;
            }

            TimeSpan? remaining = source.Length is { } length && rates.BytesPerSecond is > 0 and var speed
                ? TimeSpan.FromSeconds((length - source.StoredBytesRead) / speed)
                : null;
            running.Add(new ProgressItem(Path.GetFileName(source.Name) is { Length: > 0 } file ? file : source.Name, source.Length, source.StoredBytesRead, source.Rows, rates.RowsPerSecond, remaining));
        }

        long read = snapshot.StoredBytesRead;
        _overall.Add(now, read, snapshot.Rows);
        TimeSpan? left = snapshot.TotalLength is { } total && _overall.BytesPerSecond is > 0 and var overallSpeed
            ? TimeSpan.FromSeconds((total - read) / overallSpeed)
            : null;
        var overall = new ProgressItem(snapshot.Sources.Count == 1 ? "all (1 input)" : "all inputs", snapshot.TotalLength, read, snapshot.Rows, _overall.RowsPerSecond, left);
        var extra = _extra.SelectMany(e => e.Current()).ToList();
        return new ProgressFrame(overall, running, extra, snapshot.Sources.Count, counting, waiting, done - Math.Min(done, _failed), _failed, _tick++);
    }

    /// <summary>Samples of one input over the last <see cref="Window"/>.</summary>
    private sealed class Rates
    {
        private readonly Queue<(TimeSpan At, long Bytes, long Rows)> _samples = new();

        public double? RowsPerSecond { get; private set; }

        public double? BytesPerSecond { get; private set; }

        public void Add(TimeSpan at, long bytes, long rows)
        {
            _samples.Enqueue((at, bytes, rows));
            while (_samples.Count > 2 && at - _samples.Peek().At > Window)
            {
                _samples.Dequeue();
            }

            var first = _samples.Peek();
            double seconds = (at - first.At).TotalSeconds;
            if (seconds > 0)
            {
                RowsPerSecond = (rows - first.Rows) / seconds;
                BytesPerSecond = (bytes - first.Bytes) / seconds;
            }
        }
    }
}
