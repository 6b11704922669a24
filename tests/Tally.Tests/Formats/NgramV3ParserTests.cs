using System.Globalization;
using System.Text;
using Tally.Aggregation;
using Tally.Formats.Filters;
using Tally.Formats.NgramV3;

namespace Tally.Tests.Formats;

/// <summary>
/// The v3 parser's masked triple loop against a simple reference: triples at every offset from a
/// 64-byte mask's edge, numbers of 1 to 19 digits, very long lines, CRLF, year windows, and the
/// malformed rows it must hand to the careful parser with their line numbers.
/// </summary>
public sealed class NgramV3ParserTests
{
    private static long Parse(byte[] text, CountTable table, YearRange? years = null)
        => years is { } range
            ? NgramV3Parser.Parse(text, table, "f", firstLine: 10, rejects: null, new YearWindow(range), rules: null)
            : NgramV3Parser.Parse(text, table, "f", firstLine: 10, rejects: null, default(AllYears), rules: null);

    /// <summary>A number of exactly <paramref name="length"/> digits, leading zeros allowed, below 10^<paramref name="maxDigits"/>.</summary>
    private static string Number(Random random, int length, int maxDigits)
    {
        var digits = new char[length];
        for (int i = 0; i < length; i++)
        {
            digits[i] = i < length - maxDigits ? '0' : (char)('0' + random.Next(10));
        }

        return new string(digits);
    }

    /// <summary>Lines of random keys and triples whose numbers have 1 to 19 digits (years and counts small enough that no total passes 2^63-1).</summary>
    private static (byte[] Text, int Lines) RandomLines(int seed, int lines, int maxTriples, bool crlf)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        for (int line = 0; line < lines; line++)
        {
            text.Append(CultureInfo.InvariantCulture, $"k{random.Next(40)},{new string('x', random.Next(70))}");
            int triples = 1 + random.Next(maxTriples);
            for (int t = 0; t < triples; t++)
            {
                string year = random.Next(3) > 0 ? (1800 + random.Next(220)).ToString(CultureInfo.InvariantCulture) : Number(random, 1 + random.Next(19), 4);
                string count = Number(random, random.Next(4) > 0 ? 1 + random.Next(8) : 1 + random.Next(19), 14);
                string volume = Number(random, 1 + random.Next(19), 18);
                text.Append(CultureInfo.InvariantCulture, $"\t{year},{count},{volume}");
            }

            text.Append(crlf && random.Next(2) == 0 ? "\r\n" : "\n");
        }

        return (Encoding.ASCII.GetBytes(text.ToString()), lines);
    }

    private static Dictionary<string, long> Reference(byte[] text, YearRange? years)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string line in Encoding.ASCII.GetString(text).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = line.TrimEnd('\r').Split('\t');
            bool hit = false;
            long sum = 0;
            foreach (string triple in fields.Skip(1))
            {
                string[] parts = triple.Split(',');
                if (years is not { } range || range.Contains(long.Parse(parts[0], CultureInfo.InvariantCulture)))
                {
                    hit = true;
                    sum = checked(sum + long.Parse(parts[1], CultureInfo.InvariantCulture));
                }
            }

            if (hit)
            {
                totals[fields[0]] = checked(totals.GetValueOrDefault(fields[0]) + sum);
            }
        }

        return totals;
    }

    private static void AssertMatches(Dictionary<string, long> expected, CountTable table)
    {
        Assert.Equal(expected.Count, table.Count);
        foreach (var (key, total) in expected)
        {
            Assert.Equal(total, table.Get(Encoding.ASCII.GetBytes(key)));
        }
    }

    /// <summary>Every shift of the same lines against the block start, so triples straddle every mask edge, and the block's last 72 bytes take the triple-by-triple path.</summary>
    [Theory]
    [InlineData(1, 4, false)]
    [InlineData(2, 40, false)]
    [InlineData(3, 40, true)]
    [InlineData(4, 3, true)]
    public void Parse_RandomTriples_MatchesReferenceAtEveryShift(int seed, int maxTriples, bool crlf)
    {
        var (text, lines) = RandomLines(seed, 60, maxTriples, crlf);
        for (int shift = 0; shift < 64; shift++)
        {
            byte[] shifted = [.. Encoding.ASCII.GetBytes($"pad{new string('p', shift)}\t1999,1,1\n"), .. text];
            var table = new CountTable();

            long rows = Parse(shifted, table);

            Assert.Equal(lines + 1, rows);
            var expected = Reference(shifted, years: null);
            AssertMatches(expected, table);
        }
    }

    [Theory]
    [InlineData(5, 1800, 1899)]
    [InlineData(6, 2000, 2000)]
    [InlineData(7, 0, 999)]
    public void Parse_YearWindow_MatchesReference(int seed, long from, long to)
    {
        var (text, _) = RandomLines(seed, 200, 40, crlf: seed % 2 == 0);
        var table = new CountTable();

        Parse(text, table, new YearRange(from, to));

        AssertMatches(Reference(text, new YearRange(from, to)), table);
    }

    /// <summary>A line of thousands of triples, far longer than any mask, with and without a final newline.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Parse_VeryLongLine_SumsEveryTriple(bool finalNewline)
    {
        var text = new StringBuilder("long");
        long expected = 0;
        for (int i = 0; i < 5000; i++)
        {
            long count = (i * 7919L) % 100_000_000_000L;
            expected += count;
            text.Append(CultureInfo.InvariantCulture, $"\t{1500 + (i % 600)},{count},{i % 13}");
        }

        text.Append(finalNewline ? "\nnext\t2000,3,1\n" : "\nnext\t2000,3,1");
        var table = new CountTable();

        long rows = Parse(Encoding.ASCII.GetBytes(text.ToString()), table);

        Assert.Equal(2, rows);
        Assert.Equal(expected, table.Get("long"u8));
        Assert.Equal(3, table.Get("next"u8));
    }

    /// <summary>Numbers of every length from 1 to 19 digits in each field; 19 digits up to 2^63-1 are numbers too.</summary>
    [Fact]
    public void Parse_NumbersOfOneToNineteenDigits_AreRead()
    {
        var text = new StringBuilder();
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int length = 1; length <= 19; length++)
        {
            string digits = length == 19 ? "9223372036854775807" : new string('9', length);
            long value = long.Parse(digits, CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"count{length}\t1999,{digits},1\t2000,0,1\n");
            text.Append(CultureInfo.InvariantCulture, $"year{length}\t{digits},1,1\t2000,2,{digits}\n");
            expected[$"count{length}"] = value;
            expected[$"year{length}"] = 3;
        }

        byte[] bytes = Encoding.ASCII.GetBytes(text.ToString() + text.ToString().Replace("\n", "\t1,0,1\n", StringComparison.Ordinal));
        var table = new CountTable();

        Assert.Throws<TallyDataException>(() => Parse(bytes, table));

        // Once each: the same lines twice would pass 2^63-1 for count19.
        table = new CountTable();
        Parse(Encoding.ASCII.GetBytes(text.ToString()), table);
        AssertMatches(expected, table);
    }

    /// <summary>Malformed triples deep in a long line and after many plain lines: the careful parser names them, with the right line.</summary>
    [Theory]
    [InlineData("x\t1999,5,1\t2000,-5,1", "f:59: field 3 (match_count): \"-5\" is not a non-negative integer")]
    [InlineData("x\t1999,5,1\t2000,5,1,7", "f:59: field 3: \"2000,5,1,7\" is not year,match_count,volume_count")]
    [InlineData("x\t1999,5,1\t2000,5", "f:59: field 3: \"2000,5\" is not year,match_count,volume_count")]
    [InlineData("x\t1999,5,1\t", "f:59: field 3: \"\" is not year,match_count,volume_count")]
    [InlineData("x\t1999,5,1\t\t2000,5,1", "f:59: field 3: \"\" is not year,match_count,volume_count")]
    [InlineData("x\t1999,5,1\t2000,5,", "f:59: field 3 (volume_count): \"\" is not a non-negative integer")]
    [InlineData("x\t1999,5,1\t,5,1", "f:59: field 3 (year): \"\" is not a non-negative integer")]
    [InlineData("x\t1999,5,1\t2000,,1", "f:59: field 3 (match_count): \"\" is not a non-negative integer")]
    [InlineData("x\t1999,5,1\t2000,5,1\rx", "f:59: field 3 (volume_count): \"1\\x0Dx\" is not a non-negative integer")]
    [InlineData("x\t1999,5,1\t2000,5,1 ", "f:59: field 3 (volume_count): \"1 \" is not a non-negative integer")]
    [InlineData("x\t1999,5,1\t2000,5;1,1", "f:59: field 3 (match_count): \"5;1\" is not a non-negative integer")]
    [InlineData("x\t1999,9223372036854775808,1", "f:59: field 2 (match_count): \"9223372036854775808\" does not fit in a signed 64-bit integer")]
    [InlineData("x\t1999,12345678901234567890123,1", "f:59: field 2 (match_count): \"12345678901234567890123\" does not fit in a signed 64-bit integer")]
    [InlineData("x\t1999,999999999999999999,1\t2000,999999999999999999,1\t2001,999999999999999999,1\t2002,999999999999999999,1\t2003,999999999999999999,1\t2004,999999999999999999,1\t2005,999999999999999999,1\t2006,999999999999999999,1\t2007,999999999999999999,1\t2008,999999999999999999,1", "f:59: the total of \"x\" passes 2^63-1")]
    public void Parse_MalformedRowInTheMaskedLoop_NamesLineAndReason(string bad, string message)
    {
        string plain = string.Concat(Enumerable.Range(0, 40).Select(i => $"a{i}\t1999,{i},1\t2000,5,1\t2001,123456,7\n"));
        string after = string.Concat(Enumerable.Range(0, 40).Select(i => $"b{i}\t1999,{i},1\n"));
        string text = plain + "y\t1,2,3\n" + string.Concat(Enumerable.Repeat("z\t2000,1,1\n", 8)) + bad + "\n" + after;

        var error = Assert.Throws<TallyDataException>(() => Parse(Encoding.ASCII.GetBytes(text), new CountTable()));

        Assert.Equal(message, error.Message);
    }
}
