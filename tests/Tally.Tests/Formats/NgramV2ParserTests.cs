using System.Globalization;
using System.Text;
using Tally.Aggregation;
using Tally.Formats.NgramV2;

namespace Tally.Tests.Formats;

/// <summary>What the v2 parser accepts, and the message for each kind of malformed row.</summary>
public sealed class NgramV2ParserTests
{
    private static long Parse(string text, CountTable? table = null)
        => NgramV2Parser.Parse(Encoding.UTF8.GetBytes(text), table ?? new CountTable(), "f", firstLine: 10);

    [Theory]
    [InlineData("\n", "f:10: empty line")]
    [InlineData("\r\n", "f:10: empty line")]
    [InlineData("a\t1\t1\t1\n\n", "f:11: empty line")]
    [InlineData("\t1\t1\t1\n", "f:10: column 1 (ngram) is empty")]
    [InlineData("a\n", "f:10: expected 4 TAB-separated columns, found 1")]
    [InlineData("a", "f:10: expected 4 TAB-separated columns, found 1")]
    [InlineData("a\t1999\n", "f:10: expected 4 TAB-separated columns, found 2")]
    [InlineData("a\t1999\t5\n", "f:10: expected 4 TAB-separated columns, found 3")]
    [InlineData("a\t1999\t5\t1\t9\n", "f:10: expected 4 TAB-separated columns, found 5")]
    [InlineData("a\t19x9\t5\t1\n", "f:10: column 2 (year): \"19x9\" is not a non-negative integer")]
    [InlineData("a\t\t5\t1\n", "f:10: column 2 (year): \"\" is not a non-negative integer")]
    [InlineData("a\t1999\t-5\t1\n", "f:10: column 3 (match_count): \"-5\" is not a non-negative integer")]
    [InlineData("a\t1999\t5.0\t1\n", "f:10: column 3 (match_count): \"5.0\" is not a non-negative integer")]
    [InlineData("a\t1999\t 5\t1\n", "f:10: column 3 (match_count): \" 5\" is not a non-negative integer")]
    [InlineData("a\t1999\t9223372036854775808\t1\n", "f:10: column 3 (match_count): \"9223372036854775808\" does not fit in a signed 64-bit integer")]
    [InlineData("a\t1999\t123456789012345678901\t1\n", "f:10: column 3 (match_count): \"123456789012345678901\" does not fit in a signed 64-bit integer")]
    [InlineData("a\t1999\t5\tx\n", "f:10: column 4 (volume_count): \"x\" is not a non-negative integer")]
    [InlineData("a\t1999\t5\t\n", "f:10: column 4 (volume_count): \"\" is not a non-negative integer")]
    [InlineData("a\t1999\t5\t1\rx\n", "f:10: column 4 (volume_count): \"1\\x0Dx\" is not a non-negative integer")]
    public void Parse_MalformedRow_NamesLineAndReason(string text, string message)
    {
        var error = Assert.Throws<TallyDataException>(() => Parse(text));

        Assert.Equal(message, error.Message);
    }

    /// <summary>The same malformed rows after 50 plain rows of their ngram, so the run loop meets them first.</summary>
    [Theory]
    [InlineData("a\t19x9\t5\t1\n", "f:60: column 2 (year): \"19x9\" is not a non-negative integer")]
    [InlineData("a\t1999\t-5\t1\n", "f:60: column 3 (match_count): \"-5\" is not a non-negative integer")]
    [InlineData("a\t1999\t5\tx\n", "f:60: column 4 (volume_count): \"x\" is not a non-negative integer")]
    [InlineData("a\t1999\t5\t\n", "f:60: column 4 (volume_count): \"\" is not a non-negative integer")]
    [InlineData("a\t1999\t5\t1\rx\n", "f:60: column 4 (volume_count): \"1\\x0Dx\" is not a non-negative integer")]
    [InlineData("a\t1999\t5\t1\t9\n", "f:60: expected 4 TAB-separated columns, found 5")]
    [InlineData("a\t1999\t5\n", "f:60: expected 4 TAB-separated columns, found 3")]
    [InlineData("a\t1999\t123456789012345678901\t1\n", "f:60: column 3 (match_count): \"123456789012345678901\" does not fit in a signed 64-bit integer")]
    [InlineData("\n", "f:60: empty line")]
    [InlineData("ax1999\t5\t1\n", "f:60: expected 4 TAB-separated columns, found 3")]
    public void Parse_MalformedRowAfterARun_NamesLineAndReason(string text, string message)
    {
        string run = string.Concat(Enumerable.Range(0, 50).Select(i => $"a\t{1900 + i}\t5\t1\n"));

        var error = Assert.Throws<TallyDataException>(() => Parse(run + text + run));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Parse_LargestCount_IsAccepted()
    {
        var table = new CountTable();

        Parse("a\t1\t9223372036854775807\t1\n", table);

        Assert.Equal(long.MaxValue, table.Get("a"u8));
    }

    /// <summary>
    /// Long runs of one ngram, broken now and then by every kind of row the run loop must leave to
    /// the general path (odd years, CRLF, 19 digits, a key one byte longer or shorter, another
    /// ngram), parsed whole and cut into blocks at random line ends: totals equal a line-by-line reference.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(23)]
    [InlineData(30)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(45)]
    public void Parse_RunsBrokenByUnusualRows_MatchLineByLineReference(int keyLength)
    {
        var random = new Random(keyLength);
        string key = new string('k', keyLength - 1) + "q";
        string[] others = [.. new[] { key + "q", key[..^1], key[..^1] + "r", "other" }.Where(k => k.Length > 0)];
        var lines = new List<string>();
        int longCounts = 0;
        for (int i = 0; i < 4000; i++)
        {
            string row = random.Next(12) switch
            {
                0 => $"{key}\t{random.Next(100, 999)}\t{random.Next(1, 99999)}\t3\n",
                1 => $"{key}\t{random.Next(10000, 99999)}\t{random.Next(1, 99999)}\t3\n",
                2 => $"{key}\t{random.Next(1800, 2010)}\t{random.Next(1, 99999)}\t3\r\n",
                3 when longCounts++ < 4 => $"{key}\t{random.Next(1800, 2010)}\t{1_000_000_000_000_000_000L + random.Next()}\t3\n",
                4 => $"{others[random.Next(others.Length)]}\t{random.Next(1800, 2010)}\t{random.Next(1, 99999)}\t{random.Next(1, 9)}\n",
                5 => $"{key}\t{random.Next(1800, 2010)}\t{random.Next(10_000_000, int.MaxValue)}\t{random.NextInt64(100_000_000, 999_999_999_999)}\n",
                _ => $"{key}\t{random.Next(1800, 2010)}\t{random.Next(0, 10_000_000)}\t{random.Next(1, 1_000_000_000)}\n",
            };
            lines.Add(row);
        }

        var expected = new Dictionary<string, long>();
        foreach (string line in lines)
        {
            string[] columns = line.TrimEnd('\n', '\r').Split('\t');
            expected[columns[0]] = expected.GetValueOrDefault(columns[0]) + long.Parse(columns[2], System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (bool cut in new[] { false, true })
        {
            var table = new CountTable();
            long rows = 0;
            for (int start = 0; start < lines.Count;)
            {
                int end = cut ? Math.Min(lines.Count, start + random.Next(1, 6)) : lines.Count;
                rows += Parse(string.Concat(lines.GetRange(start, end - start)), table);
                start = end;
            }

            Assert.Equal(lines.Count, rows);
            Assert.Equal(expected.Count, table.Count);
            foreach (var (ngram, total) in expected)
            {
                Assert.Equal(total, table.Get(Encoding.UTF8.GetBytes(ngram)));
            }
        }
    }

    [Fact]
    public void Parse_RunTotalPassingLongMax_NamesTheNgram()
    {
        var text = new StringBuilder("word\t1900\t1\t1\n");
        for (int year = 1901; year < 1950; year++)
        {
            text.Append(CultureInfo.InvariantCulture, $"word\t{year}\t{long.MaxValue / 40}\t1\n");
        }

        var error = Assert.Throws<TallyDataException>(() => Parse(text.ToString()));

        Assert.Equal("f: the total of \"word\" passes 2^63-1", error.Message);
    }

    [Fact]
    public void Parse_RunOfOneNgram_SumsIntoOneEntry()
    {
        var table = new CountTable();

        long rows = Parse("a\t1\t1\t1\na\t2\t2\t1\nb\t1\t4\t1\na\t3\t8\t1\n", table);

        Assert.Equal(4, rows);
        Assert.Equal(11, table.Get("a"u8));
        Assert.Equal(4, table.Get("b"u8));
        Assert.Equal(2, table.Count);
    }
}
