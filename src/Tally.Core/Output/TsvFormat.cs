using System.Buffers.Text;
using System.Diagnostics;

namespace Tally.Output;

/// <summary>The result format: <c>ngram TAB total LF</c>, the ngram's bytes copied unchanged.</summary>
internal static class TsvFormat
{
    /// <summary>Bytes a row may need beyond its key: a TAB, a long's digits and sign (up to 20), a LF.</summary>
    public const int RowOverhead = 22;

    /// <summary>Writes one row; <paramref name="destination"/> must hold the key plus <see cref="RowOverhead"/>.</summary>
    public static int WriteRow(Span<byte> destination, ReadOnlySpan<byte> key, long total)
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
