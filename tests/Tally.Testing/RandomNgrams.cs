using System.IO.Compression;
using System.Text;

namespace Tally.Testing;

/// <summary>Seeded random v2 data: rows as bytes, with the awkward cases real files have.</summary>
public static class RandomNgrams
{
    private static readonly string[] s_alphabet =
        ["a", "b", "c", "d", "e", "A", "B", "é", "ü", "ß", "_NOUN", "_VERB", "'", "-", "日", "本"];

    /// <summary>Rows sorted like a v2 file (runs of one ngram over years), with optional CRLF line ends.</summary>
    public static byte[] Rows(int seed, int ngrams, bool crlf = false, bool finalNewline = true, bool hugeCounts = true)
    {
        var random = new Random(seed);
        var output = new MemoryStream();
        var keys = new List<byte[]>();
        for (int i = 0; i < ngrams; i++)
        {
            keys.Add(Key(random));
        }

        keys.Sort((x, y) => x.AsSpan().SequenceCompareTo(y));
        byte[] newline = crlf ? "\r\n"u8.ToArray() : "\n"u8.ToArray();
        foreach (byte[] key in keys)
        {
            int years = random.Next(1, 12);
            // Mostly four-digit years, as in the corpus, but some shorter and longer ones so the
            // parser's fallback from its four-digit check is crossed too.
            int year = random.Next(40) switch
            {
                0 => random.Next(0, 990),
                1 => random.Next(10_000, 99_000),
                _ => random.Next(1500, 2000),
            };
            for (int y = 0; y < years; y++)
            {
                long count = hugeCounts && random.Next(200) == 0
                    ? 2_200_000_000L + random.NextInt64(3_000_000_000L)
                    : random.Next(1, 100_000);
                output.Write(key);
                output.Write(Encoding.ASCII.GetBytes($"\t{year + y}\t{count}\t{random.Next(1, 1000)}"));
                output.Write(newline);
            }
        }

        var bytes = output.ToArray();
        return finalNewline || bytes.Length == 0 ? bytes : bytes.AsSpan(0, bytes.Length - newline.Length).ToArray();
    }

    private static byte[] Key(Random random)
    {
        int parts = random.Next(1, 6);
        var builder = new StringBuilder();
        for (int i = 0; i < parts; i++)
        {
            builder.Append(s_alphabet[random.Next(s_alphabet.Length)]);
        }

        var key = Encoding.UTF8.GetBytes(builder.ToString());
        if (random.Next(50) == 0)
        {
            // Invalid UTF-8 must be kept byte for byte, never replaced.
            key = [.. key, 0xFF, 0xC3];
        }

        return key;
    }

    /// <summary><paramref name="data"/> gzip-compressed as <paramref name="members"/> concatenated members, as pigz or <c>cat a.gz b.gz</c> produce.</summary>
    public static byte[] Gzip(byte[] data, int members = 1) => Gzip(data, members, out _);

    /// <summary>As <see cref="Gzip(byte[], int)"/>, and where each member ends: in the gzip bytes and in <paramref name="data"/>.</summary>
    /// <remarks>A file cut exactly at a member's end is a valid gzip file of the members before: no reader can tell it was cut.</remarks>
    public static byte[] Gzip(byte[] data, int members, out (int Stored, int Text)[] ends)
    {
        var output = new MemoryStream();
        int size = (data.Length + members - 1) / Math.Max(1, members);
        ends = new (int, int)[Math.Max(0, members)];
        for (int offset = 0, m = 0; m < members; m++, offset += size)
        {
            // Each member is a complete gzip stream, as pigz or `cat a.gz b.gz` produce.
            int length = Math.Max(0, Math.Min(size, data.Length - offset));
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(data.AsSpan(Math.Min(offset, data.Length), length));
            }

            ends[m] = ((int)output.Length, Math.Min(offset, data.Length) + length);
        }

        return output.ToArray();
    }
}
