using System.Globalization;
using System.Text;
using Tally.Formats.Tsv;
using Tally.Formats.Words;
using Tally.Mapping;
using Tally.Testing;

namespace Tally.Tests.Formats;

/// <summary>The format contract for <c>tsv</c>: two key columns joined with TAB, the value in column 2, comma-delimited.</summary>
public sealed class TsvFormatTests : FormatContractTests
{
    protected override MapStep FormatStep { get; } = new TsvMapStep([1, 3], 2, ',');

    protected override CountOptions JobOptions(int workers, int blockSize) => ReferenceEquivalenceTests.Pipeline(workers, blockSize);

    protected override string? EmptyLineReason => "empty line";

    protected override IReadOnlyList<(byte[] Line, string Reason)> MalformedLines { get; } =
    [
        ("a,5"u8.ToArray(), "expected at least 3 columns separated by ',', found 2"),
        ("a,-5,b"u8.ToArray(), "column 2 (value): \"-5\" is not a non-negative integer"),
        ("a,,b"u8.ToArray(), "column 2 (value): \"\" is not a non-negative integer"),
        ("a,9223372036854775808,b"u8.ToArray(), "does not fit in a signed 64-bit integer"),
        ("a"u8.ToArray(), "found 1"),
    ];

    /// <summary>Lines of 3 to 5 columns; keys with spaces, quotes (not parsed), non-ASCII and invalid UTF-8; values up to 12 digits.</summary>
    protected override byte[] RandomFile(int seed)
    {
        string[] words = ["a", "b", "\"q", "x y", "É", "日本", "", "\t"];
        var random = new Random(seed);
        var output = new MemoryStream();
        for (int i = 0; i < 300; i++)
        {
            string line = string.Create(CultureInfo.InvariantCulture,
                $"{words[random.Next(words.Length)]}{words[random.Next(words.Length)]},{(random.Next(10) == 0 ? random.NextInt64(1_000_000_000_000) : random.Next(100))},{words[random.Next(words.Length)]}");
            for (int extra = random.Next(3); extra > 0; extra--)
            {
                line += ",extra";
            }

            output.Write(Encoding.UTF8.GetBytes(line));
            if (random.Next(20) == 0)
            {
                output.Write([0xFF, 0xFE]);
            }

            output.WriteByte((byte)'\n');
        }

        return output.ToArray();
    }

    protected override Dictionary<string, long> Reference(IEnumerable<byte[]> lines)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (byte[] line in lines)
        {
            string[] columns = Encoding.Latin1.GetString(line).Split(',');
            string key = columns[0] + "\t" + columns[2];
            totals[key] = checked(totals.GetValueOrDefault(key) + long.Parse(columns[1], CultureInfo.InvariantCulture));
        }

        return totals;
    }
}

/// <summary>The format contract for <c>words</c>: every run of non-whitespace bytes counts 1; no line is malformed.</summary>
public sealed class WordsFormatTests : FormatContractTests
{
    protected override MapStep FormatStep { get; } = new WordsMapStep();

    protected override CountOptions JobOptions(int workers, int blockSize) => ReferenceEquivalenceTests.Pipeline(workers, blockSize);

    protected override IReadOnlyList<(byte[] Line, string Reason)> MalformedLines => [];

    protected override byte[] RandomFile(int seed)
    {
        string[] words = ["a", "b", "the", "É", "ßü", "日本", "x-y", "'s", "9,000", "a\u00a0b"];
        string[] spaces = [" ", "  ", "\t", " \t ", "\v", "\f"];
        var random = new Random(seed);
        var text = new StringBuilder();
        for (int line = 0; line < 300; line++)
        {
            for (int w = random.Next(10); w > 0; w--)
            {
                text.Append(spaces[random.Next(spaces.Length)]).Append(words[random.Next(words.Length)]);
            }

            text.Append(random.Next(8) == 0 ? " \n" : "\n");
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());

        // An invalid byte is part of a word.
        return [.. bytes, (byte)'b', 0xFF, (byte)' ', (byte)'w', (byte)'\n'];
    }

    protected override Dictionary<string, long> Reference(IEnumerable<byte[]> lines)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (byte[] line in lines)
        {
            foreach (string word in Encoding.Latin1.GetString(line).Split([' ', '\t', '\r', '\v', '\f'], StringSplitOptions.RemoveEmptyEntries))
            {
                totals[word] = totals.GetValueOrDefault(word) + 1;
            }
        }

        return totals;
    }
}
