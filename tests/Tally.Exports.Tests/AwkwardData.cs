using System.Text;
using Tally.Engine;
using Tally.Output;
using Tally.Sources;
using Tally.Testing;

namespace Tally.Exports.Tests;

/// <summary>Seeded v2 data whose keys hold everything a text format must escape: quotes, commas, backslashes, control characters, non-ASCII and invalid UTF-8.</summary>
internal static class AwkwardData
{
    private static readonly byte[][] s_pieces =
    [
        .. new[]
        {
            "a", "b", "the", "x", "\\", "\\x", "\\\\", "\"", "\"\"", ",", "'", " ", "é", "É", "日本", "😀", "\u0001", "\u001B", "\u007F", "\0",
            "\\xFF", "_NOUN", "{", "}", "\u2028",
        }.Select(Encoding.UTF8.GetBytes),
        [0xFF], [0xFE], [0xC3], [0x80], [0xE6, 0x97], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
    ];

    /// <summary>A key of one to five pieces, never empty; no TAB, LF or CR (they end a v2 field or line).</summary>
    public static byte[] Key(Random random)
    {
        var key = new List<byte>();
        int parts = random.Next(1, 6);
        for (int i = 0; i < parts; i++)
        {
            key.AddRange(s_pieces[random.Next(s_pieces.Length)]);
        }

        return [.. key];
    }

    /// <summary>v2 rows for <paramref name="keys"/> random keys (some repeated), totals up to past 2^32.</summary>
    public static byte[] Rows(int seed, int keys)
    {
        var random = new Random(seed);
        var output = new MemoryStream();
        for (int i = 0; i < keys; i++)
        {
            byte[] key = Key(random);
            for (int year = 0; year < random.Next(1, 4); year++)
            {
                long count = random.Next(30) == 0 ? 5_000_000_000L + random.Next() : random.Next(1, 100_000);
                output.Write(key);
                output.Write(Encoding.ASCII.GetBytes($"\t{1900 + year}\t{count}\t1\n"));
            }
        }

        return output.ToArray();
    }

    /// <summary>Counts <paramref name="rows"/> as a file in <paramref name="folder"/>.</summary>
    public static Task<CountResult> CountAsync(TempFolder folder, byte[] rows, string name = "input.tsv")
        => CountJob.Start(InputResolver.Resolve([folder.Write(name, rows)]), new CountOptions { Workers = 2 }).Result;

    /// <summary>Counts the given keys, each with a total of its index plus one.</summary>
    public static Task<CountResult> CountKeysAsync(TempFolder folder, IReadOnlyList<byte[]> keys)
    {
        var output = new MemoryStream();
        for (int i = 0; i < keys.Count; i++)
        {
            output.Write(keys[i]);
            output.Write(Encoding.ASCII.GetBytes($"\t2000\t{i + 1}\t1\n"));
        }

        return CountAsync(folder, output.ToArray(), "keys.tsv");
    }
}
