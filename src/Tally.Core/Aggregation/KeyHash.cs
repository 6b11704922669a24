using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tally.Aggregation;

/// <summary>A fast, seedless 32-bit hash of a byte key, never zero (zero marks an empty slot).</summary>
/// <remarks>
/// Word-at-a-time multiply-xor mixing: Ngram keys average under 10 bytes, so one or two 8-byte
/// loads and multiplies replace a byte loop. Only table layout depends on it, never a result.
/// </remarks>
internal static class KeyHash
{
    private const ulong Multiplier = 0x9E3779B97F4A7C15;
    private const ulong Mixer = 0xD6E8FEB86659FD93;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Compute(ReadOnlySpan<byte> key)
    {
        ref byte start = ref MemoryMarshal.GetReference(key);
        int length = key.Length;
        ulong h = (ulong)length * Multiplier;

        if (length >= 8)
        {
            int i = 0;
            for (; i + 8 <= length; i += 8)
            {
                h = BitOperations.RotateLeft((h ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i))) * Mixer, 29);
            }

            if (i < length)
            {
                // The last eight bytes, overlapping the ones already mixed, avoid a byte loop.
                h = BitOperations.RotateLeft((h ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - 8))) * Mixer, 29);
            }
        }
        else if (length >= 4)
        {
            ulong lo = Unsafe.ReadUnaligned<uint>(ref start);
            ulong hi = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, length - 4));
            h = (h ^ (lo | (hi << 32))) * Mixer;
        }
        else if (length > 0)
        {
            ulong v = start | ((ulong)Unsafe.Add(ref start, length >> 1) << 8) | ((ulong)Unsafe.Add(ref start, length - 1) << 16);
            h = (h ^ v) * Mixer;
        }

        h ^= h >> 32;
        h *= Multiplier;
        h ^= h >> 29;
        // The top bit marks a used slot; slot indexes come from the low bits, so it costs no spread.
        return (uint)h | 0x8000_0000u;
    }
}
