using System.Text;
using Tally.Formats;
using Tally.Platform;
using Tally.Serialization;

namespace Tally.Tests.Platform;

/// <summary>Names are bytes: every byte string survives the trip through a string, and shows as \xNN where it is not text.</summary>
public sealed class UnixNameTests
{
    [Fact]
    public void Decode_ThenEncode_GivesBackEveryByteString()
    {
        var random = new Random(15);
        for (int i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 12)];
            random.NextBytes(bytes);
            if (i % 3 == 0)
            {
                // Mostly valid text with a stray byte: the common case of a Latin-1 name.
                bytes = [.. Encoding.UTF8.GetBytes("naïve-日本-𐂀"), .. bytes.Take(2)];
            }

            string text = UnixName.Decode(bytes);

            Assert.Equal(bytes, UnixName.Encode(text));
            Assert.Equal(bytes.Length, UnixName.GetByteCount(text));
        }
    }

    [Fact]
    public void Decode_ValidUtf8_IsPlainText_WithNoEscapes()
    {
        string text = UnixName.Decode(Encoding.UTF8.GetBytes("Zürich 日本 𐂀"));

        Assert.Equal("Zürich 日本 𐂀", text);
        Assert.False(UnixName.HasEscapedBytes(text));
    }

    [Fact]
    public void HasEscapedBytes_ASurrogatePairWhoseLowHalfLooksLikeAnEscape_IsText()
    {
        // U+10080 is D800 DC80: its low half is in the escape range, yet it is a character.
        Assert.False(UnixName.HasEscapedBytes("\U00010080"));
        Assert.Equal(Encoding.UTF8.GetBytes("\U00010080"), UnixName.Encode("\U00010080"));
    }

    [Fact]
    public void Printable_ShowsInvalidBytesAndControlCharactersAsHex_AndLeavesTextAlone()
    {
        string name = UnixName.Decode([(byte)'a', 0xFF, 0xFE, (byte)'\t', (byte)'\n', 0x1B, .. "é日"u8]);

        Assert.Equal("a\\xFF\\xFE\\x09\\x0A\\x1Bé日", UnixName.Printable(name));
        Assert.Equal("plain/path.tsv", UnixName.Printable("plain/path.tsv"));
    }

    [Fact]
    public void Display_ADataValueWithInvalidBytes_ShowsThemAsHex_NotAsReplacementCharacters()
    {
        Assert.Equal("caf\\xE9 \\x1B[31m", KeyText.Display([.. "caf"u8, 0xE9, .. " \x1B[31m"u8]));
    }

    [Fact]
    public void Display_ALongValue_IsCutBetweenCharacters_NeverInsideOne()
    {
        byte[] value = [.. Encoding.UTF8.GetBytes(new string('a', 79)), .. "日本"u8];

        string shown = KeyText.Display(value);

        Assert.Equal(new string('a', 79) + "...", shown);
    }

    [Fact]
    public void WireString_ANameWithInvalidBytes_ComesBackTheSame_SoAWorkerOpensTheSameFile()
    {
        string name = UnixName.Decode([.. "/data/x"u8, 0xFF, 0xFE, .. ".tsv"u8]);
        var buffer = new byte[64];

        int written = WireCodec.WriteString(buffer, name);
        int position = 0;
        string read = WireCodec.ReadString(buffer.AsSpan(0, written), ref position, "test data");

        Assert.Equal(name, read);
        Assert.Equal(written, position);
    }
}
