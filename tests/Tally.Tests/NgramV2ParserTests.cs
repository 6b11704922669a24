using System.Text;
using Tally.Aggregation;
using Tally.Parsing;

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

    [Fact]
    public void Parse_LargestCount_IsAccepted()
    {
        var table = new CountTable();

        Parse("a\t1\t9223372036854775807\t1\n", table);

        Assert.Equal(long.MaxValue, table.Get("a"u8));
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
