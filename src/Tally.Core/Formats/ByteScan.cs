using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tally.Formats;

/// <summary>
/// Byte-scanning pieces for line-oriented parsers: newline masks and counts, the search for a
/// field's end, and branch-light digit tests and conversions on 8-byte words.
/// </summary>
/// <remarks>
/// Shared so that every format's parser (and the block reader) scans bytes the same measured way.
/// Everything is aggressively inlined: these run per row in the hot loops, where a call would cost
/// more than the work.
/// </remarks>
internal static class ByteScan
{
    /// <summary>Lines in <paramref name="bytes"/>: its newlines, plus one for a final line without one.</summary>
    public static int CountLines(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? 0 : bytes.Count((byte)'\n') + (bytes[^1] == (byte)'\n' ? 0 : 1);

    /// <summary>The LFs in <paramref name="bytes"/>: the number of the line at its end, less the number of its first.</summary>
    public static int CountNewlines(ReadOnlySpan<byte> bytes) => bytes.Count((byte)'\n');

    /// <summary>Where the field at the start of <paramref name="bytes"/> ends: its first TAB or LF, or -1 (one vectorised search).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOfTabOrNewline(ReadOnlySpan<byte> bytes) => bytes.IndexOfAny((byte)'\t', (byte)'\n');

    /// <summary>A bit for each LF in the 64 bytes at <paramref name="at"/>, the first byte in the lowest bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong NewlineMask(ref byte at)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var newline = Vector256.Create((byte)'\n');
            ulong low = Vector256.Equals(Vector256.LoadUnsafe(ref at), newline).ExtractMostSignificantBits();
            ulong high = Vector256.Equals(Vector256.LoadUnsafe(ref at, 32), newline).ExtractMostSignificantBits();
            return low | (high << 32);
        }

        var lf = Vector128.Create((byte)'\n');
        ulong mask = 0;
        for (int i = 0; i < 4; i++)
        {
            mask |= (ulong)Vector128.Equals(Vector128.LoadUnsafe(ref at, (nuint)(i * 16)), lf).ExtractMostSignificantBits() << (i * 16);
        }

        return mask;
    }

    /// <summary>A bit for each byte that is not an ASCII digit in the 64 bytes at <paramref name="at"/>, the first byte in the lowest bit.</summary>
    /// <remarks>
    /// In a run of numbers and separators these bits are the separators: where each field ends is
    /// then known from the mask, ahead of and apart from reading the digits. A byte is a digit when
    /// it less '0' is at most 9, as an unsigned byte.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong NonDigitMask(ref byte at)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return Vector512.GreaterThan(Vector512.LoadUnsafe(ref at) - Vector512.Create((byte)'0'), Vector512.Create((byte)9)).ExtractMostSignificantBits();
        }

        var zero = Vector256.Create((byte)'0');
        var nine = Vector256.Create((byte)9);
        if (Vector256.IsHardwareAccelerated)
        {
            ulong low = Vector256.GreaterThan(Vector256.LoadUnsafe(ref at) - zero, nine).ExtractMostSignificantBits();
            ulong high = Vector256.GreaterThan(Vector256.LoadUnsafe(ref at, 32) - zero, nine).ExtractMostSignificantBits();
            return low | (high << 32);
        }

        ulong mask = 0;
        for (int i = 0; i < 4; i++)
        {
            var bytes = Vector128.LoadUnsafe(ref at, (nuint)(i * 16)) - Vector128.Create((byte)'0');
            mask |= (ulong)Vector128.GreaterThan(bytes, Vector128.Create((byte)9)).ExtractMostSignificantBits() << (i * 16);
        }

        return mask;
    }

    /// <summary>The value of eight decimal digit values, one per byte, the first (most significant) in the lowest byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong EightDigits(ulong digits)
    {
        digits = ((digits * ((10UL << 8) + 1)) >> 8) & 0x00FF00FF00FF00FFUL;
        digits = ((digits * ((100UL << 16) + 1)) >> 16) & 0x0000FFFF0000FFFFUL;
        return (digits * ((10000UL << 32) + 1)) >> 32;
    }

    /// <summary>The value of the four ASCII digits in the low four bytes of <paramref name="bytes"/> (little-endian, first digit lowest); the other bytes are ignored.</summary>
    /// <remarks>Only for bytes already checked to be digits: subtracting '0' from them borrows nothing, so the bytes above cannot disturb them.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long FourDigits(ulong bytes) => (long)EightDigits((bytes - 0x3030303030303030UL) << 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsDigit(byte b) => (uint)(b - (byte)'0') <= 9;

    /// <summary>How many of the eight bytes (little-endian) lead with ASCII digits, 0 to 8.</summary>
    /// <remarks>
    /// A byte XOR '0' is at most 9 for a digit; adding 0x76 sets its high bit from 10 up, and a
    /// high bit already set means 0x80 or more. A carry out of a non-digit byte can only spoil
    /// the bytes after the first non-digit, which are not looked at.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int DigitRun(ulong bytes)
    {
        ulong t = bytes ^ 0x3030303030303030UL;
        ulong nonDigits = ((t + 0x7676767676767676UL) | t) & 0x8080808080808080UL;
        return System.Numerics.BitOperations.TrailingZeroCount(nonDigits) >> 3;
    }

    /// <summary>Whether the first five bytes of <paramref name="bytes"/> (little-endian) are four ASCII digits and a TAB.</summary>
    /// <remarks>
    /// A byte is a digit when its high nibble is 3 and adding 6 keeps it 3 (0x30-0x39). The add
    /// can carry into the next byte only from a byte of 0xFA or more, which fails its own test.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsFourDigitsThenTab(ulong bytes) => IsFourDigitsThen(bytes, (byte)'\t');

    /// <summary>Whether the first five bytes of <paramref name="bytes"/> (little-endian) are four ASCII digits and <paramref name="separator"/>; see <see cref="IsFourDigitsThenTab"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsFourDigitsThen(ulong bytes, byte separator)
    {
        uint four = (uint)bytes;
        return ((four & 0xF0F0F0F0u) | (((four + 0x06060606u) & 0xF0F0F0F0u) >> 4)) == 0x33333333u
            && (byte)(bytes >> 32) == separator;
    }
}
