using System.Buffers;

namespace Tally.Output.Formats;

/// <summary>
/// A row format for outputs that hold text (CSV, JSON Lines): a key that is not valid UTF-8 is
/// written through <see cref="KeyEscape"/> first, so the format itself only ever sees valid text.
/// </summary>
public abstract class TextRowFormat : RowFormat
{
    /// <inheritdoc/>
    public sealed override int WriteRow(Span<byte> destination, ReadOnlySpan<byte> key, long total)
    {
        if (KeyEscape.IsPlain(key))
        {
            return WriteTextRow(destination, key, total);
        }

        byte[] escaped = ArrayPool<byte>.Shared.Rent(key.Length * KeyEscape.MaxBytesPerKeyByte);
        try
        {
            return WriteTextRow(destination, escaped.AsSpan(0, KeyEscape.Escape(key, escaped)), total);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(escaped);
        }
    }

    /// <summary>Writes one row whose key is valid UTF-8 text (escaped already where it was not); returns the bytes written.</summary>
    protected abstract int WriteTextRow(Span<byte> destination, ReadOnlySpan<byte> text, long total);
}
