namespace Tally;

/// <summary>The input holds data that is not valid for its format: a malformed row, a corrupt file, an overflowing total.</summary>
/// <remarks>Its message reads <c>path:line: reason</c> when a line is known. The CLI maps it to exit code 1.</remarks>
public sealed class TallyDataException : Exception
{
    /// <summary>Creates the exception for a position in a source.</summary>
    public TallyDataException(string source, long? line, string reason, Exception? inner = null)
        : base(line is { } l ? $"{source}:{l}: {reason}" : $"{source}: {reason}", inner)
    {
        Source = source;
        Line = line;
        Reason = reason;
    }

    /// <summary>The source's display name (its path, or <c>&lt;stdin&gt;</c>).</summary>
    public new string Source { get; }

    /// <summary>The 1-based line number, when the error belongs to a line.</summary>
    public long? Line { get; }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; }
}
