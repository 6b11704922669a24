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

            TimeSpan? remaining = source.Length is { } length ? Eta(length - source.StoredBytesRead, rates.BytesPerSecond) : null;
            running.Add(new ProgressItem(TallyApp.Printable(Path.GetFileName(source.Name) is { Length: > 0 } file ? file : source.Name), source.Length, source.StoredBytesRead, source.Rows, rates.RowsPerSecond, remaining));
        }

        long read = snapshot.StoredBytesRead;
        _overall.Add(now, read, snapshot.Rows);
        TimeSpan? left = snapshot.TotalLength is { } total ? Eta(total - read, _overall.BytesPerSecond) : null;
        var overall = new ProgressItem(snapshot.Sources.Count == 1 ? "all (1 input)" : "all inputs", snapshot.TotalLength, read, snapshot.Rows, _overall.RowsPerSecond, left);
        var extra = _extra.SelectMany(e => e.Current()).ToList();
        return new ProgressFrame(overall, running, extra, snapshot.Sources.Count, counting, waiting, done - Math.Min(done, _failed), _failed, _tick++);
    }

    /// <summary>Time left at the recent speed; none when nothing moved yet or it is past 99 hours (a stalled source is not a forecast).</summary>
    private static TimeSpan? Eta(long bytesLeft, double? bytesPerSecond)
    {
        if (bytesPerSecond is not { } speed || speed <= 0)
        {
            return null;
        }

        double seconds = Math.Max(0, bytesLeft) / speed;
        return seconds < 99 * 3600 ? TimeSpan.FromSeconds(seconds) : null;
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
