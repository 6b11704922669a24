using System.Text;
using Tally.Mapping;
using Tally.Testing;

namespace Tally.Tests.Formats;

/// <summary>The format contract for the README's example step, <see cref="WordCountStep"/>: a user's own step gets the same guarantees.</summary>
public sealed class WordCountFormatTests : FormatContractTests
{
    private static readonly string[] s_words = ["a", "b", "the", "Tally", "é", "ßü", "日本", "x-y", "'s", "longerwordhere"];

    protected override MapStep FormatStep { get; } = new WordCountStep();

    /// <summary>The pipeline, also folding every table on arrival at odd worker counts (an internal hook).</summary>
    protected override CountOptions JobOptions(int workers, int blockSize) => ReferenceEquivalenceTests.Pipeline(workers, blockSize);

    protected override IReadOnlyList<(byte[] Line, string Reason)> MalformedLines { get; } =
    [
        ("a\0b"u8.ToArray(), "a NUL byte"),
        ("\0"u8.ToArray(), "a NUL byte"),
        ("words then \0"u8.ToArray(), "a NUL byte: this is not text"),
    ];

    /// <summary>Lines of 0 to 12 words, some with doubled, leading or trailing spaces, and a few empty lines.</summary>
    protected override byte[] RandomFile(int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        for (int line = 0; line < 400; line++)
        {
            int words = random.Next(13);
            for (int w = 0; w < words; w++)
            {
                text.Append(random.Next(8) == 0 ? "  " : w == 0 ? "" : " ");
                text.Append(s_words[random.Next(s_words.Length)]);
            }

            text.Append(random.Next(10) == 0 ? " \n" : "\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    protected override Dictionary<string, long> Reference(IEnumerable<byte[]> lines)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (byte[] line in lines)
        {
            foreach (string word in Encoding.Latin1.GetString(line).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                totals[word] = totals.GetValueOrDefault(word) + 1;
            }
        }

        return totals;
    }
}
