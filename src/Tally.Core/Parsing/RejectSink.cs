namespace Tally.Parsing;

/// <summary>Collects malformed rows in skip mode: how many, and the first few with their reasons.</summary>
/// <remarks>One sink per worker per source, so adding needs no lock; sinks are merged when a source finishes.</remarks>
public sealed class RejectSink
{
    private readonly List<RejectedRow> _examples = [];
    private readonly int _keep;

    /// <summary>Creates a sink that keeps the first <paramref name="keep"/> rows it is given.</summary>
    public RejectSink(int keep = int.MaxValue) => _keep = keep;

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
}

/// <summary>A malformed row: its line number, what is wrong, and its bytes (without the newline).</summary>
public sealed record RejectedRow(long Line, string Reason, byte[] Text);
