using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Tally.Sources;

/// <summary>Finds ISA-L at run time and proves it decodes gzip the way Tally expects before any data goes through it.</summary>
/// <remarks>
/// Bound with <see cref="NativeLibrary"/> rather than <c>DllImport</c>, so a machine without the
/// library loses nothing but speed. The state struct is reached by byte offsets read off ISA-L
/// 2.30's <c>igzip_lib.h</c> (<c>offsetof</c> on Debian 12's build); a build with another layout
/// fails the round trip in <see cref="Load"/> (it never reports a member's end, or reads the
/// header as deflate) and is not used. The allocation is larger than the struct, so a version
/// whose struct grew cannot write past it while being checked.
/// </remarks>
internal static unsafe class Isal
{
    public const int NextOutOffset = 0;
    public const int AvailOutOffset = 8;
    public const int NextInOffset = 16;
    public const int AvailInOffset = 32;
    public const int BlockStateOffset = 21160;
    public const int CrcFlagOffset = 21172;

    /// <summary><c>sizeof(struct inflate_state)</c> is 87,368 bytes in 2.30; 128 KiB leaves room.</summary>
    public const nuint Allocation = 128 << 10;

    /// <summary><c>ISAL_GZIP</c>: parse the gzip header, check CRC-32 and length at the end.</summary>
    public const uint GzipFlag = 1;

    /// <summary><c>ISAL_BLOCK_FINISH</c>: the member, trailer included, is done.</summary>
    public const int BlockFinish = 5;

    private static readonly Lazy<(Api? Api, string Why)> s_loaded = new(Load);

    /// <summary>ISA-L's entry points, or null when the library is missing or failed the check; <paramref name="why"/> says which.</summary>
    public static Api? TryGet(out string why)
    {
        var (api, reason) = s_loaded.Value;
        why = reason;
        return api;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T Field<T>(byte* state, int offset)
        where T : unmanaged
        => ref *(T*)(state + offset);

    public static string Describe(int code) => code switch
    {
        -1 => "invalid deflate block",
        -2 => "invalid deflate symbol",
        -3 => "invalid distance too far back",
        -4 => "incorrect header check",
        -5 => "unknown compression method",
        -6 => "incorrect data check",
        _ => $"ISA-L error {code}",
    };

    private static (Api? Api, string Why) Load()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libisal.so.2", typeof(Isal).Assembly, null, out nint library))
        {
            return (null, "libisal.so.2 not found (Debian: apt-get install libisal2)");
        }

        if (!NativeLibrary.TryGetExport(library, "isal_inflate_init", out nint init)
            || !NativeLibrary.TryGetExport(library, "isal_inflate_reset", out nint reset)
            || !NativeLibrary.TryGetExport(library, "isal_inflate", out nint inflate))
        {
            return (null, "libisal.so.2 lacks the inflate entry points");
        }

        var api = new Api(
            (delegate* unmanaged<byte*, void>)init,
            (delegate* unmanaged<byte*, void>)reset,
            (delegate* unmanaged<byte*, int>)inflate);
        try
        {
            return SelfCheck(api) ? (api, "ISA-L passed its check") : (null, "libisal.so.2 did not decode the check data correctly (another struct layout?)");
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException)
        {
            return (null, $"libisal.so.2 failed its check: {e.Message}");
        }
    }

    /// <summary>Two concatenated members must come back byte for byte; a damaged CRC and a cut must both be caught.</summary>
    private static bool SelfCheck(Api api)
    {
        var text = new StringBuilder();
        for (int i = 0; i < 4000; i++)
        {
            text.Append("check_").Append(i % 613).Append('\t').Append(1800 + (i % 209)).Append('\t').Append(i * 7919L).Append("\t1\n");
        }

        byte[] plain = Encoding.ASCII.GetBytes(text.ToString());
        byte[] member = Compress(plain);
        byte[] twoMembers = [.. member, .. member];
        byte[] expected = [.. plain, .. plain];
        if (!Decode(api, twoMembers).AsSpan().SequenceEqual(expected))
        {
            return false;
        }

        byte[] badCrc = (byte[])member.Clone();
        badCrc[^8] ^= 0x55;
        byte[] cut = member[..^5];
        return Fails(api, badCrc) && Fails(api, cut);
    }

    private static bool Fails(Api api, byte[] gzip)
    {
        try
        {
            _ = Decode(api, gzip);
            return false;
        }
        catch (InvalidDataException)
        {
            return true;
        }
    }

    private static byte[] Decode(Api api, byte[] gzip)
    {
        using var decoder = new GzipDecoder(new MemoryStream(gzip), new IsalInflater(api));
        using var output = new MemoryStream();

        // A small buffer makes ISA-L stop and resume mid-block, as it will on real data.
        var buffer = new byte[3000];
        int read;
        while ((read = decoder.Read(buffer)) > 0)
        {
            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }

    private static byte[] Compress(byte[] plain)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(plain);
        }

        return compressed.ToArray();
    }

    /// <summary>The three entry points Tally calls.</summary>
    internal sealed class Api(delegate* unmanaged<byte*, void> init, delegate* unmanaged<byte*, void> reset, delegate* unmanaged<byte*, int> inflate)
    {
        public void Init(byte* state) => init(state);

        public void Reset(byte* state) => reset(state);

        public int Inflate(byte* state) => inflate(state);
    }
}
