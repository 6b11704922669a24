using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Tally.Platform;

/// <summary>
/// Names are bytes on Linux: a file name or an argument as the bytes the kernel gives, carried in a
/// .NET string without loss, and turned back into the same bytes.
/// </summary>
/// <remarks>
/// <para>
/// The escape is Python's <c>surrogateescape</c> (PEP 383): valid UTF-8 decodes as usual, and each
/// byte of an invalid sequence (always 0x80-0xFF) becomes the lone low surrogate U+DC80-U+DCFF.
/// Encoding reverses it, so <c>Encode(Decode(b))</c> is <c>b</c> for every byte string. .NET itself
/// decodes names and arguments with U+FFFD instead, so <c>a\xFF</c> and <c>a\xFE</c> both became
/// <c>a�</c>: neither file could be opened, and a <c>--word</c> with such bytes matched nothing.
/// </para>
/// <para>
/// A string holding an escaped byte must reach the file system through <see cref="UnixFile"/>
/// (which encodes it with <see cref="Encode"/>), never through <see cref="File"/> or
/// <see cref="FileStream"/>, which would encode the surrogate as U+FFFD.
/// </para>
/// </remarks>
internal static class UnixName
{
    private const char FirstEscape = '\uDC80';
    private const char LastEscape = '\uDCFF';

    /// <summary>The bytes as a string: valid UTF-8 as text, every invalid byte as U+DC80 + (byte - 0x80).</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }

        var text = new StringBuilder(bytes.Length);
        Span<char> chars = stackalloc char[2];
        while (!bytes.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(bytes, out var rune, out int consumed);
            if (status == OperationStatus.Done)
            {
                text.Append(chars[..rune.EncodeToUtf16(chars)]);
            }
            else
            {
                // The maximal invalid subsequence (or a sequence cut short at the end): each of
                // its bytes on its own, so that every byte comes back.
                foreach (byte b in bytes[..consumed])
                {
                    text.Append((char)(FirstEscape + (b - 0x80)));
                }
            }

            bytes = bytes[consumed..];
        }

        return text.ToString();
    }

    /// <summary>Whether <paramref name="text"/> holds an escaped byte, so that only <see cref="Encode"/> gives its bytes back.</summary>
    public static bool HasEscapedBytes(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (text[i] is >= FirstEscape and <= LastEscape)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The bytes <paramref name="text"/> stands for: UTF-8, with every escaped byte as itself.</summary>
    /// <remarks>Any other lone surrogate (not from <see cref="Decode"/>) encodes as U+FFFD, as <see cref="Encoding.UTF8"/> does.</remarks>
    public static byte[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!HasEscapedBytes(text))
        {
            return Encoding.UTF8.GetBytes(text);
        }

        var bytes = new ArrayBufferWriter<byte>(text.Length + 8);
        Write(text, bytes);
        return bytes.WrittenSpan.ToArray();
    }

    /// <summary>The number of bytes <see cref="Encode"/> gives for <paramref name="text"/>.</summary>
    public static int GetByteCount(string text)
        => HasEscapedBytes(text) ? Encode(text).Length : Encoding.UTF8.GetByteCount(text);

    /// <summary>Writes the bytes <see cref="Encode"/> gives into <paramref name="destination"/>; returns how many.</summary>
    public static int GetBytes(string text, Span<byte> destination)
    {
        if (!HasEscapedBytes(text))
        {
            return Encoding.UTF8.GetBytes(text, destination);
        }

        var bytes = Encode(text);
        bytes.CopyTo(destination);
        return bytes.Length;
    }

    /// <summary>
    /// The text as a message shows it: every control character and every escaped byte as <c>\xNN</c>,
    /// so that a file name or a data value never drives a terminal (an escape sequence, a carriage
    /// return), never splits a line or a TAB-separated row, and an invalid byte is shown as itself
    /// instead of as U+FFFD.
    /// </summary>
    /// <remarks>A backslash is left as it is: <c>\xNN</c> is ambiguous only in a name that holds those four characters itself.</remarks>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(char.IsControl) && !HasEscapedBytes(text))
        {
            return text;
        }

        var shown = new StringBuilder(text.Length + 8);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                shown.Append(c).Append(text[++i]);
            }
            else if (c is >= FirstEscape and <= LastEscape)
            {
                shown.Append(CultureInfo.InvariantCulture, $"\\x{c - FirstEscape + 0x80:X2}");
            }
            else if (char.IsControl(c))
            {
                shown.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            }
            else
            {
                shown.Append(c);
            }
        }

        return shown.ToString();
    }

    private static void Write(string text, ArrayBufferWriter<byte> bytes)
    {
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            var span = bytes.GetSpan(Math.Max(16, rest.Length * 3));
            var status = Utf8.FromUtf16(rest, span, out int read, out int written, replaceInvalidSequences: false);
            bytes.Advance(written);
            rest = rest[read..];
            if (status == OperationStatus.InvalidData)
            {
                // A lone surrogate: an escaped byte is that byte; any other is U+FFFD.
                char c = rest[0];
                if (c is >= FirstEscape and <= LastEscape)
                {
                    bytes.GetSpan(1)[0] = (byte)(c - FirstEscape + 0x80);
                    bytes.Advance(1);
                }
                else
                {
                    "\uFFFD"u8.CopyTo(bytes.GetSpan(3));
                    bytes.Advance(3);
                }

                rest = rest[1..];
            }
        }
    }
}
