using Tally.Cli.Generation;

namespace Tally.Benchmarks;

/// <summary>One generated v2 file held in memory, cut into 1 MiB line-aligned blocks like the readers cut it.</summary>
internal static class BenchData
{
    private static readonly Lazy<byte[]> s_file = new(() =>
    {
        string folder = Path.Combine(Path.GetTempPath(), "tally-bench-data");
        var options = new NgramV2GeneratorOptions { Seed = 7, Rows = 2_000_000, BaseWords = 20_000, Gzip = false };
        string path = NgramV2Generator.WriteFileAsync(Path.Combine(folder, "a.tsv"), 'a', options).GetAwaiter().GetResult().Path;
        return File.ReadAllBytes(path);
    });

    public static byte[] File1 => s_file.Value;

    public static List<(int Start, int Length)> Blocks(byte[] data, int blockSize = Tally.TallyDefaults.BlockSize)
    {
        var blocks = new List<(int, int)>();
        int pos = 0;
        while (pos < data.Length)
        {
            int end = Math.Min(data.Length, pos + blockSize);
            if (end < data.Length)
            {
                end = pos + data.AsSpan(pos, end - pos).LastIndexOf((byte)'\n') + 1;
            }

            blocks.Add((pos, end - pos));
            pos = end;
        }

        return blocks;
    }
}
