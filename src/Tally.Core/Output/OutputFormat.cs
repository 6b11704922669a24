namespace Tally.Output;

/// <summary>One way to write the sorted totals (TSV, CSV, Parquet, a database): what <c>-o FILE</c> and <c>--output-format NAME</c> resolve to.</summary>
/// <remarks>
/// <para>
/// A text format is a <see cref="RowFormat"/> behind <see cref="RowOutputFormat"/>, written by the
/// chunked, ordered writer on every core. A format with another shape (columns in row groups, a
/// database loaded through its own client) derives from this class and walks
/// <see cref="CountResult.WalkSortedAsync"/>. Either way it is one folder plus one
/// <see cref="OutputFormatRegistry.Add"/>.
/// </para>
/// <para>
/// Every format writes every ngram once, in ordinal byte order, and appears whole or not at all:
/// the default <see cref="WriteAsync(CountResult, string, CancellationToken)"/> writes through
/// <see cref="AtomicFile"/>.
/// </para>
/// <para>
/// A format may also write a <see cref="RecordTable"/> (typed columns, rows in the order given:
/// a per-year series) when <see cref="CanWriteRecords"/> says so; every built-in one does.
/// </para>
/// </remarks>
public abstract class OutputFormat
{
    /// <summary>The format's name, as <c>--output-format</c> takes it: lower case, such as <c>csv</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The file extensions that choose this format, with their dot, lower case (<c>.csv</c>).</summary>
    public abstract IReadOnlyList<string> Extensions { get; }

    /// <summary>Whether the format can be written to a stream that cannot seek or be reopened: standard output, a pipe, a device.</summary>
    /// <remarks>When false, only <see cref="WriteAsync(CountResult, string, CancellationToken)"/> to a regular file (or a new path) works.</remarks>
    public virtual bool CanWriteStream => true;

    /// <summary>Writes every ngram of <paramref name="result"/> in byte order to <paramref name="destination"/>, which need not be seekable.</summary>
    /// <exception cref="NotSupportedException">The format needs a file (<see cref="CanWriteStream"/> is false).</exception>
    public abstract Task WriteAsync(CountResult result, Stream destination, CancellationToken cancellationToken = default);

    /// <summary>Writes every ngram of <paramref name="result"/> in byte order to <paramref name="path"/>: whole or not at all.</summary>
    /// <remarks>
    /// By default through <see cref="AtomicFile"/>: a temporary file renamed into place, a device or
    /// FIFO written in place, a symbolic link followed, a replaced file's permissions kept.
    /// </remarks>
    public virtual Task WriteAsync(CountResult result, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        return AtomicFile.WriteAsync(path, stream => WriteAsync(result, stream, cancellationToken), cancellationToken);
    }

    /// <summary>Whether the format can write a <see cref="RecordTable"/> (<see cref="WriteRecordsAsync(RecordTable, Stream, CancellationToken)"/>); false by default.</summary>
    public virtual bool CanWriteRecords => false;

    /// <summary>Writes <paramref name="table"/>, its rows in the order given, to <paramref name="destination"/>, which need not be seekable.</summary>
    /// <exception cref="NotSupportedException">The format writes no record tables (<see cref="CanWriteRecords"/> is false), or needs a file (<see cref="CanWriteStream"/> is false).</exception>
    public virtual Task WriteRecordsAsync(RecordTable table, Stream destination, CancellationToken cancellationToken = default)
        => throw new NotSupportedException($"the {Name} output writes no record tables");

    /// <summary>Writes <paramref name="table"/>, its rows in the order given, to <paramref name="path"/>: whole or not at all.</summary>
    /// <remarks>By default through <see cref="AtomicFile"/>, as <see cref="WriteAsync(CountResult, string, CancellationToken)"/>.</remarks>
    /// <exception cref="NotSupportedException">The format writes no record tables (<see cref="CanWriteRecords"/> is false).</exception>
    public virtual Task WriteRecordsAsync(RecordTable table, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (!CanWriteRecords)
        {
            throw new NotSupportedException($"the {Name} output writes no record tables");
        }

        return AtomicFile.WriteAsync(path, stream => WriteRecordsAsync(table, stream, cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
