using System.Globalization;
using System.Text;
using Tally.Formats;

namespace Tally.Tests.Formats;

/// <summary>The shared byte-scanning pieces agree with the plain byte-by-byte tests they stand for.</summary>
public sealed class ByteScanTests
{
    [Theory]
    [InlineData("", 0, 0)]
    [InlineData("\n", 1, 1)]
    [InlineData("a", 1, 0)]
    [InlineData("a\nb", 2, 1)]
    [InlineData("a\r\nb\r\n", 2, 2)]
    [InlineData("\n\n\n", 3, 3)]
    public void CountLines_CountsAFinalLineWithoutNewline_CountNewlinesDoesNot(string text, int lines, int newlines)
    {
        Assert.Equal(lines, ByteScan.CountLines(Encoding.UTF8.GetBytes(text)));
        Assert.Equal(newlines, ByteScan.CountNewlines(Encoding.UTF8.GetBytes(text)));
    }

    [Theory]
    [InlineData("abc\tdef", 3)]
    [InlineData("abc\ndef\t", 3)]
    [InlineData("\tx", 0)]
    [InlineData("abc", -1)]
    public void IndexOfTabOrNewline_IsTheFirstOfEither(string text, int expected)
        => Assert.Equal(expected, ByteScan.IndexOfTabOrNewline(Encoding.UTF8.GetBytes(text)));

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

            Assert.Equal(expected, ByteScan.DigitRun(BitConverter.ToUInt64(bytes)));
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

            Assert.Equal(expected, ByteScan.NewlineMask(ref bytes[0]));
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
            Assert.Equal(ulong.Parse(digits, CultureInfo.InvariantCulture), ByteScan.EightDigits(values));
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
                Assert.Equal(expected, ByteScan.IsFourDigitsThenTab(BitConverter.ToUInt64(bytes)));
            }
        }

        // Two bad bytes at once, including the 0xFA-0xFF range whose +6 carries into the next byte.
        for (int low = 0xF0; low < 256; low++)
        {
            for (int high = 0; high < 256; high++)
            {
                byte[] bytes = [(byte)low, (byte)high, (byte)'9', (byte)'9', (byte)'\t', 0, 0, 0];
                Assert.False(ByteScan.IsFourDigitsThenTab(BitConverter.ToUInt64(bytes)));
            }
        }
    }
}
