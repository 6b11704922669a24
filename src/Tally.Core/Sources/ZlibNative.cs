using System.Runtime.InteropServices;

namespace Tally.Sources;

/// <summary>
/// The inflate entry points of the zlib-ng that ships inside the .NET runtime
/// (<c>libSystem.IO.Compression.Native</c>), the same code <see cref="System.IO.Compression.GZipStream"/> runs.
/// </summary>
/// <remarks>
/// Called directly because GZipStream hides where a gzip member ends: at the end of its input it
/// returns 0 whether or not the last member was complete, so a truncated download would count as
/// a shorter file. Here the decoder sees Z_STREAM_END and knows. The struct mirrors the runtime's
/// <c>PAL_ZStream</c> (pal_zlib.h); the exports are versioned (<c>@V1.0</c>) and stable across releases.
/// </remarks>
internal static unsafe partial class ZlibNative
{
    private const string Library = "libSystem.IO.Compression.Native";

    public const int Ok = 0;
    public const int StreamEnd = 1;
    public const int NeedDictionary = 2;
    public const int BufferError = -5;
    public const int NoFlush = 0;

    /// <summary>15-bit window, +16: gzip wrapper only (no raw deflate, no zlib wrapper).</summary>
    public const int GzipWindowBits = 15 + 16;

    [StructLayout(LayoutKind.Sequential)]
    public struct ZStream
    {
        public byte* NextIn;
        public byte* NextOut;
        public sbyte* Message;
        public nint InternalState;
        public uint AvailIn;
        public uint AvailOut;
    }

    [LibraryImport(Library, EntryPoint = "CompressionNative_InflateInit2_")]
    public static partial int InflateInit2(ZStream* stream, int windowBits);

    [LibraryImport(Library, EntryPoint = "CompressionNative_Inflate")]
    public static partial int Inflate(ZStream* stream, int flush);

    [LibraryImport(Library, EntryPoint = "CompressionNative_InflateEnd")]
    public static partial int InflateEnd(ZStream* stream);

    [LibraryImport(Library, EntryPoint = "CompressionNative_Crc32")]
    public static partial uint Crc32(uint crc, byte* buffer, int length);

    /// <summary>CRC-32 (the gzip polynomial) of <paramref name="data"/>, continuing from <paramref name="crc"/>.</summary>
    /// <remarks>
    /// An empty span is <paramref name="crc"/> unchanged. It must not reach zlib: it pins to a null
    /// pointer, and zlib's crc32 of a null buffer is its initial value, 0, whatever came before. An
    /// envelope whose body ended with a write larger than its writer's buffer got a checksum of 0,
    /// and failed its own check.
    /// </remarks>
    public static uint Crc32(uint crc, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return crc;
        }

        fixed (byte* p = data)
        {
            return Crc32(crc, p, data.Length);
        }
    }
}
