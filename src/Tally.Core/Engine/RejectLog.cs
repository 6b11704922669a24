using System.Diagnostics;
using System.Text;
using Tally.Output;
using Tally.Parsing;

namespace Tally.Engine;

/// <summary>
/// A job's malformed rows in skip mode: makes each worker's sink for a source, gathers a finished
/// source's count and examples, and writes the rejects file when the job succeeds.
/// </summary>
/// <remarks>
/// Bounded memory whatever the number of bad rows: sinks keep a few examples each, and when a
/// rejects file is asked for every row goes straight to its worker's <see cref="RejectSpill"/>
/// (a 64 KiB buffer), indexed by block. Spills live beside the rejects file rather than in the
/// temporary folder, which is often a RAM disk, and on the same file system as their result.
/// </remarks>
internal sealed class RejectLog : IDisposable
{
    private readonly string? _path;
    private readonly RejectSpill?[] _spills;
    private readonly string _spillPrefix = "";

    /// <summary>Ids of sinks whose attempt failed and was retried; their rows are left out of the file. Guarded by itself.</summary>
    private readonly HashSet<int> _discarded = [];
    private int _nextSink;

    public RejectLog(string? rejectsPath, int workers)
    {
        _spills = new RejectSpill?[workers];
        if (rejectsPath is not null)
        {
            _path = Path.GetFullPath(rejectsPath);
            string folder = Path.GetDirectoryName(_path) ?? ".";
            _spillPrefix = Path.Combine(folder, $".{Path.GetFileName(_path)}.{Environment.ProcessId}.{Guid.NewGuid():N}");
        }
    }

    /// <summary>Creates slot <paramref name="slot"/>'s sink for the source <paramref name="sourceIndex"/>; called from that slot only.</summary>
    public RejectSink CreateSink(int slot, int sourceIndex, string sourceName)
    {
        // Spill s is created and used by slot s alone, like its tables.
        RejectSpill? spill = _path is null ? null : _spills[slot] ??= new RejectSpill($"{_spillPrefix}.w{slot}.spill");
        return new RejectSink(TallyDefaults.RejectExamplesPerSource, spill, sourceIndex, Encoding.UTF8.GetBytes(Formats.KeyText.Printable(sourceName)), Interlocked.Increment(ref _nextSink));
    }

    /// <summary>Leaves the rows of <paramref name="sink"/> out of the rejects file: its attempt failed and is being retried.</summary>
    public void Discard(RejectSink sink)
    {
        lock (_discarded)
        {
            _discarded.Add(sink.Id);
        }
    }

    /// <summary>A finished source's skipped rows: their count, and the first few by line.</summary>
    /// <remarks>
    /// Each sink holds its first rows of the source, and a worker takes a source's blocks in
    /// order, so the first rows of the source are among them: sorting the union is exact.
    /// </remarks>
    public static (long Count, IReadOnlyList<RejectedRow> Examples) Gather(IReadOnlyList<RejectSink> sinks)
    {
        long count = 0;
        var examples = new List<RejectedRow>();
        foreach (var sink in sinks)
        {
            count += sink.Count;
            examples.AddRange(sink.Rows);
        }

        examples.Sort((a, b) => a.Line.CompareTo(b.Line));
        return (count, examples.Count > TallyDefaults.RejectExamplesPerSource ? examples[..TallyDefaults.RejectExamplesPerSource] : examples);
    }

    /// <summary>Writes the rejects file, when one was asked for: every row of every source not left out, by source, then line.</summary>
    /// <remarks>Call only once every worker has stopped.</remarks>
    public async Task WriteAsync(IReadOnlySet<int> leftOut, CancellationToken cancellationToken)
    {
        if (_path is null)
        {
            return;
        }

        var parts = new List<(RejectSpill Spill, RejectSpill.Segment Segment)>();
        foreach (var spill in _spills)
        {
            if (spill is null)
            {
                continue;
            }

            spill.Finish();
            parts.AddRange(spill.Segments.Where(s => !leftOut.Contains(s.Source) && !_discarded.Contains(s.Sink)).Select(s => (spill, s)));
        }

        parts.Sort((a, b) => a.Segment.Source != b.Segment.Source
            ? a.Segment.Source.CompareTo(b.Segment.Source)
            : a.Segment.FirstLine.CompareTo(b.Segment.FirstLine));
        for (int i = 1; i < parts.Count; i++)
        {
            Debug.Assert(parts[i - 1].Segment.Source != parts[i].Segment.Source || parts[i - 1].Segment.LastLine < parts[i].Segment.FirstLine,
                "segments of one source cover disjoint line ranges");
        }

        var buffer = new byte[TallyDefaults.RejectSpillBuffer];
        await AtomicFile.WriteAsync(_path, async stream =>
        {
            foreach (var (spill, segment) in parts)
            {
                await spill.CopyAsync(segment, stream, buffer, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var spill in _spills)
        {
            spill?.Dispose();
        }
    }
}
