using System.Buffers.Text;
using System.Diagnostics;

namespace Tally.Output;

/// <summary>The result format of <c>-o</c>: <c>ngram TAB total LF</c>, the ngram's bytes copied unchanged, no header.</summary>
public sealed class TsvRowFormat : RowFormat
{
    /// <summary>Bytes a row may need beyond its key: a TAB, a long's digits and sign (up to 20), a LF.</summary>
    internal const int RowOverhead = 22;

    private TsvRowFormat()
    {
    }

    /// <summary>The format (it has no settings).</summary>
    public static TsvRowFormat Instance { get; } = new();

    /// <inheritdoc/>
    public override int MaxRowOverhead => RowOverhead;

    /// <inheritdoc/>
    public override int WriteRow(Span<byte> destination, ReadOnlySpan<byte> key, long total)
    {
        key.CopyTo(destination);
        int used = key.Length;
        destination[used++] = (byte)'\t';
        bool ok = Utf8Formatter.TryFormat(total, destination.Slice(used), out int written);
        Debug.Assert(ok);
        used += written;
        destination[used++] = (byte)'\n';
        return used;
    }
}
