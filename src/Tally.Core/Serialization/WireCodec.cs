using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Tally.Serialization;

/// <summary>
/// The one codec of every Tally binary format: numbers as unsigned LEB128 varints, strings as a
/// varint byte length and UTF-8.
/// </summary>
/// <remarks>
/// A varint holds 7 bits a byte, low bits first; the high bit says another byte follows. Readers
/// accept only the shortest encoding of a value in at most <see cref="MaxVarintLength"/> bytes, so
/// every value has exactly one form. <c>subject</c> names what is read in error messages
/// (<c>"Tally table"</c> gives "Tally table is cut short").
/// </remarks>
internal static class WireCodec
{
    /// <summary>The longest varint: a <see cref="ulong"/> needs 10 bytes of 7 bits.</summary>
    public const int MaxVarintLength = 10;

    /// <summary>The bytes <see cref="WriteVarint"/> writes for <paramref name="value"/>: one per 7 bits, at least one.</summary>
    public static int VarintLength(ulong value) => (BitOperations.Log2(value | 1) / 7) + 1;

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="destination"/> is shorter than the encoding (give it <see cref="MaxVarintLength"/>).</exception>
    public static int WriteVarint(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads the varint at <paramref name="position"/> and moves past it.</summary>
    /// <exception cref="InvalidDataException">The data ends inside the varint, or it is over-long (a redundant last byte, more than 10 bytes, or over 64 bits).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ReadVarint(ReadOnlySpan<byte> source, ref int position, string subject)
    {
        // Most numbers (lengths, small totals) fit one byte.
        if ((uint)position < (uint)source.Length && source[position] < 0x80)
        {
            return source[position++];
        }

        return ReadLongVarint(source, ref position, subject);
    }

    /// <summary>Writes <paramref name="value"/> as its UTF-8 byte length (varint) and bytes; returns the bytes written.</summary>
    /// <remarks>
    /// <paramref name="destination"/> needs <see cref="MaxVarintLength"/> bytes more than <see cref="StringByteCount"/>.
    /// A name's invalid bytes (<see cref="Platform.UnixName"/>) are written as themselves, so a
    /// worker process opens the file its parent named.
    /// </remarks>
    public static int WriteString(Span<byte> destination, string value)
    {
        int length = StringByteCount(value);
        int used = WriteVarint(destination, (ulong)length);
        return used + Platform.UnixName.GetBytes(value, destination.Slice(used));
    }

    /// <summary>The bytes <see cref="WriteString"/> writes for <paramref name="value"/>, besides its length.</summary>
    public static int StringByteCount(string value) => Platform.UnixName.GetByteCount(value);

    /// <summary>Reads a string written by <see cref="WriteString"/> and moves past it.</summary>
    /// <exception cref="InvalidDataException">The data ends inside the string, or its length is malformed.</exception>
    public static string ReadString(ReadOnlySpan<byte> source, ref int position, string subject)
    {
        ulong length = ReadVarint(source, ref position, subject);
        if (length > (ulong)(source.Length - position))
        {
            throw CutShort(subject);
        }

        string value = Platform.UnixName.Decode(source.Slice(position, (int)length));
        position += (int)length;
        return value;
    }

    public static InvalidDataException CutShort(string subject) => new($"{subject} is cut short");

    private static ulong ReadLongVarint(ReadOnlySpan<byte> source, ref int position, string subject)
    {
        ulong value = 0;
        int pos = position;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= source.Length)
            {
                throw CutShort(subject);
            }

            byte b = source[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                // A zero last byte after the first adds nothing; the tenth byte holds only bit 63.
                if ((b == 0 && shift > 0) || (shift == 63 && b > 1))
                {
                    break;
                }

                position = pos;
                return value;
            }
        }

        throw new InvalidDataException($"{subject} holds a malformed number (an over-long varint)");
    }
}
