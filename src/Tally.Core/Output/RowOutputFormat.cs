using System.Buffers;

namespace Tally.Output;

/// <summary>A text output format made of a <see cref="RowFormat"/>: rows formatted in chunks on every core and written in order.</summary>
/// <param name="name">The format's name (<c>tsv</c>).</param>
/// <param name="rows">How one row is written.</param>
/// <param name="extensions">The file extensions that choose it, with their dot (<c>.tsv</c>).</param>
public sealed class RowOutputFormat(string name, RowFormat rows, params IReadOnlyList<string> extensions) : OutputFormat
{
    /// <summary>Bytes of formatted records gathered before a write to the destination.</summary>
    private const int RecordFlushBytes = 1 << 16;

    /// <inheritdoc/>
    public override string Name { get; } = name;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Extensions { get; } = extensions;

    /// <summary>How one row is written.</summary>
    public RowFormat Rows { get; } = rows;

    /// <inheritdoc/>
    public override Task WriteAsync(CountResult result, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.WriteAsync(Rows, destination, cancellationToken);
    }

    /// <inheritdoc/>
    public override bool CanWriteRecords => Rows.CanWriteRecords;

    /// <inheritdoc/>
    public override async Task WriteRecordsAsync(RecordTable table, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(destination);
        if (!CanWriteRecords)
        {
            throw new NotSupportedException($"the {Name} output writes no record tables");
        }

        // One thread formats into one buffer, written out whenever it passes RecordFlushBytes: a
        // record table is small next to count's totals, so the parallel chunked writer would buy little.
        var buffer = new ArrayBufferWriter<byte>(RecordFlushBytes * 2);
        Rows.WriteRecordHeader(buffer, table);
        for (int row = 0; row < table.RowCount; row++)
        {
            Rows.WriteRecord(buffer, table, row);
            if (buffer.WrittenCount >= RecordFlushBytes)
            {
                await destination.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                buffer.ResetWrittenCount();
            }
        }

        await destination.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
