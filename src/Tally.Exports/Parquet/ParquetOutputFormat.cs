using Parquet;
using Parquet.Schema;
using Tally.Output;
using Tally.Output.Formats;

namespace Tally.Exports.Parquet;

/// <summary>Apache Parquet: a string column <c>ngram</c> and an int64 column <c>total</c>, in row groups of a bounded number of rows, sorted by the ngram's bytes.</summary>
/// <remarks>
/// <para>
/// Written with Parquet.Net, one row group at a time: memory holds one row group's keys and
/// totals whatever the table's size. Snappy-compressed, plain-encoded (the keys are distinct, so
/// a dictionary would only cost time). A key that is not valid UTF-8 is stored in the
/// <see cref="KeyEscape"/> form, since a Parquet string must be UTF-8.
/// </para>
/// <para>
/// Parquet's footer comes last and no byte is written twice, so the format streams: <c>-o -</c>
/// writes it to a pipe.
/// </para>
/// </remarks>
public sealed class ParquetOutputFormat : OutputFormat
{
    /// <summary>Rows per row group unless told otherwise.</summary>
    /// <remarks>
    /// 256 Ki rows of Ngram 1-grams are about 25 MB as .NET strings while a group is built: large
    /// enough for readers (DuckDB reads a row group per thread; Spark and Arrow like 100 K rows and
    /// more), small enough that memory does not grow with the table.
    /// </remarks>
    public const int DefaultRowGroupRows = 1 << 18;

    private static readonly DataField s_ngram = new("ngram", typeof(string), isNullable: false);
    private static readonly DataField s_total = new("total", typeof(long), isNullable: false);
    private static readonly ParquetSchema s_schema = new(s_ngram, s_total);

    /// <param name="rowGroupRows">Rows per row group (at least 1).</param>
    public ParquetOutputFormat(int rowGroupRows = DefaultRowGroupRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupRows, 1);
        RowGroupRows = rowGroupRows;
    }

    /// <inheritdoc/>
    public override string Name => "parquet";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Extensions { get; } = [".parquet"];

    /// <summary>Rows per row group (the last may have fewer).</summary>
    public int RowGroupRows { get; }

    /// <inheritdoc/>
    public override async Task WriteAsync(CountResult result, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(destination);
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy, DictionaryEncodingThreshold = 0 };
        var output = new PositionStream(destination);
        await using (output.ConfigureAwait(false))
        {
            var writer = await ParquetWriter.CreateAsync(s_schema, output, options, append: false, cancellationToken).ConfigureAwait(false);
            await using (writer.ConfigureAwait(false))
            {
                int groupRows = (int)Math.Min(RowGroupRows, Math.Max(1, result.Count));
                var keys = new string[groupRows];
                var totals = new long[groupRows];
                int filled = 0;
                await result.WalkSortedAsync(
                    async (chunk, token) =>
                    {
                        for (int row = 0; row < chunk.Count; row++)
                        {
                            keys[filled] = KeyEscape.ToText(chunk.Key(row));
                            totals[filled] = chunk.Total(row);
                            if (++filled == keys.Length)
                            {
                                await WriteRowGroupAsync(writer, keys, totals, filled, token).ConfigureAwait(false);
                                filled = 0;
                            }
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
                if (filled > 0 || result.Count == 0)
                {
                    await WriteRowGroupAsync(writer, keys, totals, filled, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <inheritdoc/>
    public override bool CanWriteRecords => true;

    /// <summary>Writes <paramref name="table"/> as typed columns (string, int64, double, none nullable), in row groups of <see cref="RowGroupRows"/> rows, in the order given.</summary>
    /// <remarks>
    /// Text is stored in the <see cref="KeyEscape"/> form, as a key is. Dictionary encoding is left
    /// to Parquet.Net: a record table's text repeats (an ngram per year), unlike count's keys. An
    /// empty table is a file with the schema and one empty row group, as an empty count is.
    /// </remarks>
    public override async Task WriteRecordsAsync(RecordTable table, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(destination);
        var fields = table.Columns.Select(c => new DataField(c.Name, ClrType(c.Kind), isNullable: false)).ToArray();
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy };
        var output = new PositionStream(destination);
        await using (output.ConfigureAwait(false))
        {
            var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), output, options, append: false, cancellationToken).ConfigureAwait(false);
            await using (writer.ConfigureAwait(false))
            {
                int start = 0;
                do
                {
                    int rows = Math.Min(RowGroupRows, table.RowCount - start);
                    using var group = writer.CreateRowGroup();
                    for (int column = 0; column < fields.Length; column++)
                    {
                        var values = table.Columns[column];
                        switch (values.Kind)
                        {
                            case RecordKind.Text:
                                string[] texts = new string[rows];
                                var source = values.Texts.Span.Slice(start, rows);
                                for (int row = 0; row < rows; row++)
                                {
                                    texts[row] = RecordCells.EscapedText(source[row]);
                                }

                                await group.WriteAsync(fields[column], (IReadOnlyCollection<string>)texts).ConfigureAwait(false);
                                break;
                            case RecordKind.Integer:
                                await group.WriteAsync(fields[column], values.Integers.Slice(start, rows), null, null, cancellationToken).ConfigureAwait(false);
                                break;
                            default:
                                await group.WriteAsync(fields[column], values.Reals.Slice(start, rows), null, null, cancellationToken).ConfigureAwait(false);
                                break;
                        }
                    }

                    group.CompleteValidate();
                    start += rows;
                    cancellationToken.ThrowIfCancellationRequested();
                }
                while (start < table.RowCount);
            }
        }
    }

    private static Type ClrType(RecordKind kind) => kind switch
    {
        RecordKind.Text => typeof(string),
        RecordKind.Integer => typeof(long),
        _ => typeof(double),
    };

    private static async Task WriteRowGroupAsync(ParquetWriter writer, string[] keys, long[] totals, int rows, CancellationToken cancellationToken)
    {
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(s_ngram, (IReadOnlyCollection<string>)new ArraySegment<string>(keys, 0, rows)).ConfigureAwait(false);
        await group.WriteAsync(s_total, new ReadOnlyMemory<long>(totals, 0, rows), null, null, cancellationToken).ConfigureAwait(false);
        group.CompleteValidate();
        Array.Clear(keys, 0, rows);
    }
}
