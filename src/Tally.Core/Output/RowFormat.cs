using System.Buffers;

namespace Tally.Output;

/// <summary>How the sorted output writes a row: one format per class (<see cref="TsvRowFormat"/> today), all behind one chunked, ordered writer.</summary>
/// <remarks>
/// <para>
/// The writer cuts the sorted rows into chunks, formats chunks in parallel into buffers sized from
/// <see cref="MaxRowOverhead"/> and <see cref="MaxBytesPerKeyByte"/>, and writes them in key
/// order, between <see cref="WriteHeader"/> and <see cref="WriteFooter"/>. A new format (CSV,
/// JSON Lines) is one class: say how large a row can get and write one.
/// </para>
/// <para>
/// The same class may write a <see cref="RecordTable"/> too (<see cref="CanWriteRecords"/>): a
/// header, then each row in order, written by <see cref="RowOutputFormat"/> on one thread.
/// </para>
/// <para>
/// <see cref="WriteRow(Span{byte}, ReadOnlySpan{byte}, long)"/> is called from several threads at
/// once, for different rows: a format must not keep state between rows.
/// </para>
/// </remarks>
public abstract class RowFormat
{
    /// <summary>The most bytes a row may take beyond <see cref="MaxBytesPerKeyByte"/> per byte of its key: separators, the total's digits, quotes, a line end.</summary>
    public abstract int MaxRowOverhead { get; }

    /// <summary>The most bytes a row may take per byte of its key: 1 when keys are copied as they are; more when the format escapes them.</summary>
    public virtual int MaxBytesPerKeyByte => 1;

    /// <summary>The most bytes a row whose key has <paramref name="keyLength"/> bytes may take.</summary>
    public long MaxRowBytes(int keyLength) => ((long)keyLength * MaxBytesPerKeyByte) + MaxRowOverhead;

    /// <summary>Writes the row of <paramref name="key"/> (the ngram's bytes, not necessarily valid UTF-8) and its <paramref name="total"/>.</summary>
    /// <param name="destination">At least <see cref="MaxRowBytes"/> of the key's length.</param>
    /// <param name="key">The ngram's bytes.</param>
    /// <param name="total">Its total.</param>
    /// <returns>The bytes written.</returns>
    public abstract int WriteRow(Span<byte> destination, ReadOnlySpan<byte> key, long total);

    /// <summary>Writes the row of <paramref name="key"/> and its <paramref name="total"/> to <paramref name="writer"/>, asking it for all the room the row may need.</summary>
    public void WriteRow(IBufferWriter<byte> writer, ReadOnlySpan<byte> key, long total)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Advance(WriteRow(writer.GetSpan(checked((int)MaxRowBytes(key.Length))), key, total));
    }

    /// <summary>Writes what comes before the first row (a header line, an opening bracket); nothing by default.</summary>
    public virtual void WriteHeader(IBufferWriter<byte> writer)
    {
    }

    /// <summary>Writes what comes after the last row (a closing bracket); nothing by default.</summary>
    public virtual void WriteFooter(IBufferWriter<byte> writer)
    {
    }

    /// <summary>Whether the format also writes a <see cref="RecordTable"/> (<see cref="WriteRecordHeader"/>, <see cref="WriteRecord"/>); false by default.</summary>
    public virtual bool CanWriteRecords => false;

    /// <summary>Writes what comes before a record table's first row (a line of column names); nothing by default.</summary>
    public virtual void WriteRecordHeader(IBufferWriter<byte> writer, RecordTable table)
    {
    }

    /// <summary>Writes row <paramref name="row"/> of <paramref name="table"/>, line end included.</summary>
    /// <remarks>Called for each row in order, on one thread; records are a modest table, not count's totals.</remarks>
    /// <exception cref="NotSupportedException">The format writes no record tables (<see cref="CanWriteRecords"/> is false).</exception>
    public virtual void WriteRecord(IBufferWriter<byte> writer, RecordTable table, int row)
        => throw new NotSupportedException("this row format writes no record tables");
}
