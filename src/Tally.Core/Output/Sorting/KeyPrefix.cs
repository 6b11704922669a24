using System.Buffers.Binary;

namespace Tally.Output.Sorting;

/// <summary>A key's first eight bytes read big-endian: an integer that orders like the key's bytes, which the sort compares instead of the keys.</summary>
internal static class KeyPrefix
{
    /// <summary>The key's first eight bytes, zero-padded, as a big-endian integer.</summary>
    /// <remarks>
    /// Orders like the keys except where they tie: a shorter key padded with zeros ties with a
    /// longer one that has zeros there, and the whole keys then decide.
    /// </remarks>
    public static ulong Of(ReadOnlySpan<byte> key)
    {
        if (key.Length >= 8)
        {
            return BinaryPrimitives.ReadUInt64BigEndian(key);
        }

        ulong prefix = 0;
        for (int i = 0; i < 8; i++)
        {
            prefix = (prefix << 8) | (i < key.Length ? key[i] : 0u);
        }

        return prefix;
    }
}
