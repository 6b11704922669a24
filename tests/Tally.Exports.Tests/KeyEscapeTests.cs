using System.Text;
using Tally.Output.Formats;

namespace Tally.Exports.Tests;

/// <summary>The escape of keys for text formats: one to one, and valid keys without <c>\\</c> or <c>\x</c> unchanged.</summary>
public sealed class KeyEscapeTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("C:\\dos", "C:\\dos")]
    [InlineData("end\\", "end\\")]
    [InlineData("a\\xb", "a\\\\xb")]
    [InlineData("a\\\\b", "a\\\\\\b")]
    [InlineData("é日😀", "é日😀")]
    public void ToText_ValidUtf8_EscapesOnlyWhatIsAmbiguous(string key, string expected)
        => Assert.Equal(expected, KeyEscape.ToText(Encoding.UTF8.GetBytes(key)));

    [Fact]
    public void ToText_InvalidBytes_AreHexEscaped()
    {
        Assert.Equal("k\\xFF", KeyEscape.ToText([(byte)'k', 0xFF]));
        Assert.Equal("\\xC3k", KeyEscape.ToText([0xC3, (byte)'k']));
        Assert.Equal("k\\\\\\xFF", KeyEscape.ToText([(byte)'k', (byte)'\\', 0xFF]));
        Assert.Equal("\\xED\\xA0\\x80", KeyEscape.ToText([0xED, 0xA0, 0x80]));
    }

    [Fact]
    public void Unescape_RandomBytes_GivesTheKeyBack_AndDistinctKeysStayDistinct()
    {
        var random = new Random(17);
        byte[] alphabet = [(byte)'\\', (byte)'x', (byte)'F', (byte)'a', 0xFF, 0xC3, 0xA9, 0x80, 0xE6, 0x97, 0xA5, 0];
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < 50_000; i++)
        {
            byte[] key = [.. Enumerable.Range(0, random.Next(0, 8)).Select(_ => alphabet[random.Next(alphabet.Length)])];
            string text = KeyEscape.ToText(key);

            Assert.Equal(key, KeyEscape.Unescape(text));
            Assert.True(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)) == text, "the escaped form is valid UTF-8 text");
            string original = Convert.ToHexString(key);
            Assert.Equal(original, seen.TryAdd(text, original) ? original : seen[text]);
        }
    }
}
