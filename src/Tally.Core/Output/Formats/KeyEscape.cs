using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Tally.Output.Formats;

/// <summary>How the formats that hold text, not bytes (CSV, JSON Lines, Parquet strings, SQLite TEXT), keep a key that is not valid UTF-8 distinct and recoverable.</summary>
/// <remarks>
/// <para>
/// Each byte that is not part of valid UTF-8 is written <c>\xHH</c> (two upper-case hex digits),
/// and a backslash is doubled when it is followed by <c>\</c>, <c>x</c> or such a byte, so that
/// what it stands for is never in doubt. Every other key, including one with a lone backslash
/// (<c>C:\dos</c>), is written as it is: a valid UTF-8 key without <c>\\</c> or <c>\x</c> is
/// unchanged.
/// </para>
/// <para>
/// To read a key back: <c>\\</c> is one backslash, <c>\xHH</c> is the byte HH, and any other
/// backslash stands for itself. (<see cref="Unescape"/>; in Python,
/// <c>re.sub(rb'\\(\\|x([0-9A-F]{2}))', lambda m: bytes([int(m[2], 16)]) if m[2] else b'\\', s)</c>.)
/// The mapping is one to one, so two keys that differ in any byte stay different.
/// </para>
/// </remarks>
public static class KeyEscape
{
    /// <summary>The most bytes the escaped form takes per byte of the key: an invalid byte becomes <c>\xHH</c>.</summary>
    public const int MaxBytesPerKeyByte = 4;

    private static readonly SearchValues<byte> s_backslashOrHigh = SearchValues.Create([(byte)'\\', .. Enumerable.Range(0x80, 0x80).Select(b => (byte)b)]);

    /// <summary>Whether <paramref name="key"/> is written as it is: valid UTF-8 in which no backslash needs doubling.</summary>
    public static bool IsPlain(ReadOnlySpan<byte> key)
    {
        int first = key.IndexOfAny(s_backslashOrHigh);
        return first < 0 || (Utf8.IsValid(key.Slice(first)) && !HasEscapedBackslash(key.Slice(first)));
    }

    /// <summary>Writes the escaped form of <paramref name="key"/> to <paramref name="destination"/> (at least <see cref="MaxBytesPerKeyByte"/> times the key's length).</summary>
    /// <returns>The bytes written: valid UTF-8.</returns>
    public static int Escape(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        int used = 0;
        int i = 0;
        while (i < key.Length)
        {
            byte b = key[i];
            if (b < 0x80)
            {
                destination[used++] = b;
                if (b == '\\' && NeedsDoubling(key.Slice(i + 1)))
                {
                    destination[used++] = (byte)'\\';
                }

                i++;
                continue;
            }

            var status = Rune.DecodeFromUtf8(key.Slice(i), out _, out int consumed);
            if (status == OperationStatus.Done)
            {
                key.Slice(i, consumed).CopyTo(destination.Slice(used));
                used += consumed;
            }
            else
            {
                for (int j = i; j < i + consumed; j++)
                {
                    used += WriteHex(key[j], destination.Slice(used));
                }
            }

            i += consumed;
        }

        return used;
    }

    /// <summary>The escaped form of <paramref name="key"/> as a string.</summary>
    public static string ToText(ReadOnlySpan<byte> key)
    {
        if (IsPlain(key))
        {
            return Encoding.UTF8.GetString(key);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(key.Length * MaxBytesPerKeyByte);
        try
        {
            return Encoding.UTF8.GetString(rented, 0, Escape(key, rented));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The key's bytes back from its escaped form.</summary>
    public static byte[] Unescape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        var key = new List<byte>(utf8.Length);
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == '\\' && i + 1 < utf8.Length && utf8[i + 1] == '\\')
            {
                key.Add((byte)'\\');
                i++;
            }
            else if (utf8[i] == '\\' && i + 3 < utf8.Length && utf8[i + 1] == 'x' && IsHex(utf8[i + 2]) && IsHex(utf8[i + 3]))
            {
                key.Add(Convert.FromHexString(utf8.AsSpan(i + 2, 2))[0]);
                i += 3;
            }
            else
            {
                key.Add(utf8[i]);
            }
        }

        return [.. key];
    }

    /// <summary>Whether a backslash followed by <paramref name="rest"/> must be doubled: before a backslash, an <c>x</c>, or a byte that will be escaped.</summary>
    private static bool NeedsDoubling(ReadOnlySpan<byte> rest)
        => !rest.IsEmpty && (rest[0] is (byte)'\\' or (byte)'x' || (rest[0] >= 0x80 && Rune.DecodeFromUtf8(rest, out _, out _) != OperationStatus.Done));

    private static bool HasEscapedBackslash(ReadOnlySpan<byte> validUtf8)
    {
        int at;
        while ((at = validUtf8.IndexOf((byte)'\\')) >= 0)
        {
            validUtf8 = validUtf8.Slice(at + 1);
            if (NeedsDoubling(validUtf8))
            {
                return true;
            }
        }

        return false;
    }

    private static int WriteHex(byte b, Span<byte> destination)
    {
        destination[0] = (byte)'\\';
        destination[1] = (byte)'x';
        destination[2] = (byte)"0123456789ABCDEF"[b >> 4];
        destination[3] = (byte)"0123456789ABCDEF"[b & 0xF];
        return 4;
    }

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'A' and <= (byte)'F';
}
