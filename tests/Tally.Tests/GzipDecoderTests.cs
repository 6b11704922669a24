using System.IO.Compression;
using Tally.Sources;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>
/// Both inflate engines behind <see cref="GzipDecoder"/> decode the same bytes and fail the same
/// way. ISA-L is optional at run time; CI installs it and sets TALLY_REQUIRE_ISAL=1, so there a
/// missing or failing ISA-L fails these tests instead of quietly testing zlib-ng twice.
/// </summary>
public sealed class GzipDecoderTests
{
    public static TheoryData<string> Engines() => new() { "zlib", "isal" };

    private static bool IsalRequired => Environment.GetEnvironmentVariable("TALLY_REQUIRE_ISAL") == "1";

    /// <summary>The engine named, or null when ISA-L is not installed here (and not required).</summary>
    private static Inflater? Create(string engine)
    {
        if (engine == "zlib")
        {
            return new ZlibInflater();
        }

        var api = Isal.TryGet(out string why);
        Assert.True(api is not null || !IsalRequired, $"TALLY_REQUIRE_ISAL=1 but ISA-L is unavailable: {why}");
        return api is null ? null : new IsalInflater(api);
    }

    private static byte[] Member(byte[] data, CompressionLevel level)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>Decodes with reads of random small sizes, so every engine stops and resumes mid-block.</summary>
    private static byte[] Decode(Inflater inflater, byte[] gzip, int seed)
    {
        var random = new Random(seed);
        using var decoder = new GzipDecoder(new TrickleStream(gzip, random.Next(1, 700)), inflater);
        using var output = new MemoryStream();
        var buffer = new byte[5000];
        int read;
        while ((read = decoder.Read(buffer, 0, random.Next(1, buffer.Length + 1))) > 0)
        {
            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Decodes_ConcatenatedMembers_OfEveryKind(string engine)
    {
        for (int seed = 0; seed < 6; seed++)
        {
            using var inflater = Create(engine);
            if (inflater is null)
            {
                return;
            }

            byte[] a = RandomNgrams.Rows(seed, 400);
            byte[] b = RandomNgrams.Rows(seed + 100, 50);
            byte[] gzip = [.. Member(a, CompressionLevel.Optimal), .. Member([], CompressionLevel.Fastest), .. Member(b, CompressionLevel.NoCompression), .. Member(a, CompressionLevel.SmallestSize)];

            Assert.Equal([.. a, .. b, .. a], Decode(inflater, gzip, seed));
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void EveryCut_IsTruncation_NeverAShorterFile(string engine)
    {
        byte[] gzip = Member(RandomNgrams.Rows(7, 60), CompressionLevel.Optimal);
        for (int cut = 1; cut < gzip.Length; cut++)
        {
            using var inflater = Create(engine);
            if (inflater is null)
            {
                return;
            }

            var error = Assert.Throws<InvalidDataException>(() => Decode(inflater, gzip[..cut], cut));
            Assert.StartsWith("truncated gzip: the data ends inside a member at compressed byte ", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void BytesAfterAMember_ThatAreNotAMember_AreCorrupt_AtTheMembersEnd(string engine)
    {
        byte[] member = Member(RandomNgrams.Rows(8, 30), CompressionLevel.Optimal);
        foreach (byte[] tail in new[] { "x"u8.ToArray(), "garbage\n"u8.ToArray(), new byte[100] })
        {
            using var inflater = Create(engine);
            if (inflater is null)
            {
                return;
            }

            var error = Assert.Throws<InvalidDataException>(() => Decode(inflater, [.. member, .. tail], tail.Length));
            Assert.StartsWith($"corrupt gzip data at compressed byte {member.Length:N0}: ", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void WrongCrcOrLength_IsCorrupt(string engine)
    {
        byte[] member = Member(RandomNgrams.Rows(9, 30), CompressionLevel.Optimal);
        foreach (int fromEnd in new[] { 8, 5, 4, 1 })
        {
            using var inflater = Create(engine);
            if (inflater is null)
            {
                return;
            }

            byte[] damaged = (byte[])member.Clone();
            damaged[^fromEnd] ^= 0x01;
            var error = Assert.Throws<InvalidDataException>(() => Decode(inflater, damaged, fromEnd));
            Assert.StartsWith("corrupt gzip data at compressed byte ", error.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>A flipped byte anywhere gives the original bytes back (a header field nobody reads) or an error, never other data.</summary>
    [Theory]
    [MemberData(nameof(Engines))]
    public void FlippedBytes_GiveTheDataOrAnError_NeverOtherData(string engine)
    {
        byte[] plain = RandomNgrams.Rows(10, 200);
        byte[] member = Member(plain, CompressionLevel.Optimal);
        var random = new Random(10);
        for (int trial = 0; trial < 300; trial++)
        {
            using var inflater = Create(engine);
            if (inflater is null)
            {
                return;
            }

            byte[] damaged = (byte[])member.Clone();
            damaged[random.Next(damaged.Length)] ^= (byte)random.Next(1, 256);
            try
            {
                Assert.Equal(plain, Decode(inflater, damaged, trial));
            }
            catch (InvalidDataException)
            {
                // The damage was caught: what the decoder must do when it cannot give the data back.
            }
        }
    }

    [Fact]
    public void Isal_IsUsedWhenInstalled_AndSaysWhyNotOtherwise()
    {
        var api = Isal.TryGet(out string why);
        Assert.False(string.IsNullOrWhiteSpace(why));
        Assert.True(api is not null || !IsalRequired, why);
        if (Environment.GetEnvironmentVariable("TALLY_INFLATE") is null)
        {
            using var chosen = GzipDecoder.CreateInflater();
            Assert.IsType(api is null ? typeof(ZlibInflater) : typeof(IsalInflater), chosen);
        }
    }

    /// <summary>Hands out at most a few bytes per read, like a slow pipe.</summary>
    private sealed class TrickleStream(byte[] data, int most) : ReadOnlyStream
    {
        private int _position;

        public override int Read(Span<byte> buffer)
        {
            int count = Math.Min(Math.Min(most, buffer.Length), data.Length - _position);
            data.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Read(buffer.Span));
    }

    /// <summary>A gzip member with every optional header field <paramref name="flags"/> asks for (FTEXT 1, FHCRC 2, FEXTRA 4, FNAME 8, FCOMMENT 16), written by hand.</summary>
    private static byte[] MemberWithHeader(byte[] data, int flags)
    {
        var member = new List<byte> { 0x1f, 0x8b, 8, (byte)flags, 0, 0, 0, 0, 0, 255 };
        if ((flags & 4) != 0)
        {
            member.AddRange([6, 0, (byte)'T', (byte)'y', 2, 0, 1, 2]);
        }

        if ((flags & 8) != 0)
        {
            member.AddRange([.. "rows.tsv"u8, 0]);
        }

        if ((flags & 16) != 0)
        {
            member.AddRange([.. "a comment, Zürich"u8, 0]);
        }

        if ((flags & 2) != 0)
        {
            uint crc = ZlibNative.Crc32(0, [.. member]);
            member.AddRange([(byte)crc, (byte)(crc >> 8)]);
        }

        using (var body = new MemoryStream())
        {
            using (var deflate = new DeflateStream(body, CompressionLevel.Fastest, leaveOpen: true))
            {
                deflate.Write(data);
            }

            // DeflateStream writes nothing for no data; an empty body is one empty final block.
            member.AddRange(body.Length > 0 ? body.ToArray() : [3, 0]);
        }

        uint dataCrc = ZlibNative.Crc32(0, data);
        member.AddRange([(byte)dataCrc, (byte)(dataCrc >> 8), (byte)(dataCrc >> 16), (byte)(dataCrc >> 24)]);
        member.AddRange([(byte)data.Length, (byte)(data.Length >> 8), (byte)(data.Length >> 16), (byte)(data.Length >> 24)]);
        return [.. member];
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Decodes_EveryOptionalHeaderField_InEveryCombination_AsGzipDoes(string engine)
    {
        // Each combination alone, then with an empty member and a plain one after it; every file is
        // checked with gzip -t first, so the test stands on what gzip itself accepts.
        var rows = RandomNgrams.Rows(seed: 8, ngrams: 60);
        using var folder = new TempFolder();
        for (int flags = 0; flags < 32; flags++)
        {
            byte[] file = [.. MemberWithHeader(rows, flags), .. MemberWithHeader([], flags), .. MemberWithHeader(rows, 0)];
            string path = folder.Write($"flags{flags}.gz", file);
            using (var gzip = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("gzip", ["-t", path]) { RedirectStandardError = true })!)
            {
                gzip.WaitForExit();
                Assert.True(gzip.ExitCode == 0, $"gzip -t rejects flags {flags}: {gzip.StandardError.ReadToEnd()}");
            }

            if (Create(engine) is not { } inflater)
            {
                return;
            }

            Assert.Equal([.. rows, .. rows], Decode(inflater, file, seed: flags));
        }
    }
}
