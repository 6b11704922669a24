using Tally.Engine;

namespace Tally.Parsing;

/// <summary>Collects malformed rows in skip mode: how many, the first few with their reasons, and optionally every one to a spill file.</summary>
/// <remarks>One sink per worker per source, so adding needs no lock; sinks are gathered when a source finishes.</remarks>
public sealed class RejectSink
{
    private readonly List<RejectedRow> _examples = [];
    private readonly int _keep;

    /// <summary>Where every row is also written for the rejects file; null when none was asked for.</summary>
    private readonly RejectSpill? _spill;
    private readonly int _sourceIndex;
    private readonly byte[] _sourceName = [];

    /// <summary>Where every row is also sent as it is found (a worker process sends it to its parent); null for none.</summary>
    private readonly RejectForward? _forward;

    /// <summary>Creates a sink that keeps the first <paramref name="keep"/> rows it is given.</summary>
    public RejectSink(int keep = int.MaxValue) => _keep = keep;

    internal RejectSink(int keep, RejectSpill? spill, int sourceIndex, byte[] sourceName, int id)
        : this(keep)
    {
        _spill = spill;
        _sourceIndex = sourceIndex;
        _sourceName = sourceName;
        Id = id;
    }

    internal RejectSink(int keep, RejectForward forward)
        : this(keep) => _forward = forward;

    /// <summary>Tells the sinks of one job apart, so that the rows of a discarded attempt can be dropped.</summary>
    internal int Id { get; }

    /// <summary>Malformed rows seen.</summary>
    public long Count { get; private set; }

    /// <summary>The rows kept, in the order given.</summary>
    public IReadOnlyList<RejectedRow> Rows => _examples;

    /// <summary>Records one malformed row.</summary>
    public void Add(long line, string reason, ReadOnlySpan<byte> text)
    {
        Count++;
        if (_examples.Count < _keep)
        {
            _examples.Add(new RejectedRow(line, reason, text.ToArray()));
        }

        _spill?.Write(_sourceIndex, Id, _sourceName, line, reason, text);
        _forward?.Invoke(line, reason, text);
    }

    /// <summary>Adds another sink's rows.</summary>
    public void AddFrom(RejectSink other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Count += other.Count;
        foreach (var row in other._examples)
        {
            if (_examples.Count < _keep)
            {
                _examples.Add(row);
            }
        }
    }

    /// <summary>Tells the spill that the rows that follow belong to a new block; see <see cref="RejectSpill"/>.</summary>
    internal void StartBlock() => _spill?.StartSegment();
}

/// <summary>Receives a skipped row as it is found.</summary>
internal delegate void RejectForward(long line, string reason, ReadOnlySpan<byte> text);
