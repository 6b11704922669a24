using System.Globalization;
using System.Text;
using Tally.Aggregation;
using Tally.Formats.NgramV2;

namespace Tally.Tests;

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
    [InlineData("a\t1999\t5\t1\rx\n", "f:10: column 4 (volume_count): \"1\rx\" is not a non-negative integer")]
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
    [InlineData("a\t1999\t5\t1\rx\n", "f:60: column 4 (volume_count): \"1\rx\" is not a non-negative integer")]
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
    public void DigitRun_AgreesWithTheByteTest_ForEveryByteInEveryPosition()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 20_000; trial++)
        {
            byte[] bytes = new byte[8];
            for (int i = 0; i < 8; i++)
            {
                // Mostly digits, so long runs occur, and every other byte value now and then.
                bytes[i] = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)('0' + random.Next(10));
            }

            int expected = 0;
            while (expected < 8 && bytes[expected] is >= (byte)'0' and <= (byte)'9')
            {
                expected++;
            }

            Assert.Equal(expected, NgramV2Parser.DigitRun(BitConverter.ToUInt64(bytes)));
        }
    }

    /// <summary>The newline bitmask has a bit exactly where a byte is LF, at every density and every byte value.</summary>
    [Fact]
    public void NewlineMask_AgreesWithTheByteTest()
    {
        var random = new Random(4);
        for (int trial = 0; trial < 5_000; trial++)
        {
            byte[] bytes = new byte[64];
            int density = random.Next(1, 9);
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = random.Next(density) == 0 ? (byte)'\n' : (byte)random.Next(256);
            }

            ulong expected = 0;
            for (int i = 0; i < bytes.Length; i++)
            {
                expected |= bytes[i] == (byte)'\n' ? 1UL << i : 0;
            }

            Assert.Equal(expected, NgramV2Parser.NewlineMask(ref bytes[0]));
        }
    }

    /// <summary>The multiply-based conversion of up to eight digits agrees with <see cref="ulong.Parse(string)"/> for every length.</summary>
    [Fact]
    public void EightDigits_OfAnyLength_IsTheNumber()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 50_000; trial++)
        {
            int length = random.Next(1, 9);
            string digits = string.Concat(Enumerable.Range(0, length).Select(i => (char)('0' + random.Next(10))));
            byte[] word = new byte[8];
            Encoding.ASCII.GetBytes(digits).CopyTo(word, 0);
            for (int i = length; i < 8; i++)
            {
                word[i] = (byte)random.Next(256);
            }

            ulong values = (BitConverter.ToUInt64(word) - 0x3030303030303030UL) << ((8 - length) * 8);
            Assert.Equal(ulong.Parse(digits, CultureInfo.InvariantCulture), NgramV2Parser.EightDigits(values));
        }
    }

    /// <summary>The year's 8-byte check agrees with a byte-by-byte one for every value of every byte it looks at.</summary>
    [Fact]
    public void IsFourDigitsThenTab_AgreesWithTheByteTest_ForEveryByteInEveryPosition()
    {
        byte[] valid = "1999\t42\t"u8.ToArray();
        for (int position = 0; position < 8; position++)
        {
            for (int value = 0; value < 256; value++)
            {
                byte[] bytes = (byte[])valid.Clone();
                bytes[position] = (byte)value;
                bool expected = bytes[..4].All(b => b is >= (byte)'0' and <= (byte)'9') && bytes[4] == (byte)'\t';
                Assert.Equal(expected, NgramV2Parser.IsFourDigitsThenTab(BitConverter.ToUInt64(bytes)));
            }
        }

        // Two bad bytes at once, including the 0xFA-0xFF range whose +6 carries into the next byte.
        for (int low = 0xF0; low < 256; low++)
        {
            for (int high = 0; high < 256; high++)
            {
                byte[] bytes = [(byte)low, (byte)high, (byte)'9', (byte)'9', (byte)'\t', 0, 0, 0];
                Assert.False(NgramV2Parser.IsFourDigitsThenTab(BitConverter.ToUInt64(bytes)));
            }
        }
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
