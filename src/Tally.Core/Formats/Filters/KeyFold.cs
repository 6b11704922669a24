using System.Buffers;
using System.Text;

namespace Tally.Formats.Filters;

/// <summary>
/// <c>--ignore-case</c>: the Unicode lower-case form of a key, one scalar at a time and
/// culture-invariant; bytes that are not valid UTF-8 are kept as they are.
/// </summary>
/// <remarks>
/// Per scalar (<see cref="Rune.ToLowerInvariant"/>), never per string, so no culture's rules
/// (Turkish dotless i) and no context (final sigma) apply: the same key folds the same way on every
/// machine. An invalid byte is copied unchanged, so keys that differ in such a byte stay apart.
/// </remarks>
public static class KeyFold
{
    /// <summary>The folded form of <paramref name="key"/> as a string (for looking a typed word up).</summary>
    public static string Fold(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] bytes = Encoding.UTF8.GetBytes(key);
        var folded = new ArrayBufferWriter<byte>(bytes.Length + 8);
        Fold(bytes, folded);
        return Encoding.UTF8.GetString(folded.WrittenSpan);
    }

    /// <summary>Whether <paramref name="key"/> folds to itself: plain ASCII without capitals (the usual case), checked without copying.</summary>
    internal static bool IsFolded(ReadOnlySpan<byte> key)
        => !key.ContainsAnyInRange((byte)'A', (byte)'Z') && !key.ContainsAnyInRange((byte)0x80, (byte)0xFF);

    /// <summary>Writes the folded form of <paramref name="key"/> to <paramref name="output"/>.</summary>
    public static void Fold(ReadOnlySpan<byte> key, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!key.IsEmpty)
        {
            // Lower-casing never makes a scalar's UTF-8 longer than 4 bytes.
            var span = output.GetSpan(4);
            if (key[0] < 0x80)
            {
                byte b = key[0];
                span[0] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
                output.Advance(1);
                key = key[1..];
                continue;
            }

            if (Rune.DecodeFromUtf8(key, out var rune, out int consumed) == OperationStatus.Done)
            {
                output.Advance(Rune.ToLowerInvariant(rune).EncodeToUtf8(span));
            }
            else
            {
                // Not valid UTF-8: the bytes the decoder could not read, unchanged.
                key[..consumed].CopyTo(span);
                output.Advance(consumed);
            }

            key = key[consumed..];
        }
    }
}
