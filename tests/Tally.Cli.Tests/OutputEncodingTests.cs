namespace Tally.Cli.Tests;

/// <summary>What the built tally prints, as a real process, under locales whose charset is not UTF-8.</summary>
/// <remarks>
/// Ngrams are UTF-8 in the data and in <c>-o</c> files, so results on standard output are too.
/// Through <c>Console.Out</c>, a Latin-1 locale printed 日本 as <c>??</c> and naïve as Latin-1.
/// </remarks>
public sealed class OutputEncodingTests : IDisposable
{
    private readonly CliRunner _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("en_US.ISO-8859-1")]
    [InlineData("C")]
    [InlineData("C.UTF-8")]
    public async Task Results_AreUtf8_WhateverTheLocale(string locale)
    {
        string input = _folder.Write("words.tsv", "naïve\t2000\t5\t3\n日本\t2000\t7\t1\nnaïve\t2001\t1\t1\n");
        var environment = new Dictionary<string, string> { ["LC_ALL"] = locale, ["LANG"] = locale };

        using var tally = TallyProcess.Start(_folder.Folder, environment, "count", input, "-w", "naïve", "--top", "2", "--quiet");

        Assert.Equal(0, await tally.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        Assert.Equal(["naïve\t6", "日本\t7", "naïve\t6"], tally.OutputLines);
    }

    [Fact]
    public async Task Top_WritesTheNgramsBytes_AsTheOutputFileDoes()
    {
        // 0xE9 is é in Latin-1 and invalid as UTF-8: decoded, caf\xE9 and caf\xFF would both print as caf\uFFFD.
        byte[] data = [.. "caf"u8, 0xE9, .. "\t2000\t5\t1\n"u8, .. "caf"u8, 0xFF, .. "\t2000\t3\t1\n"u8, .. "café\t2000\t1\t1\n"u8];
        string input = Path.Combine(_folder.Folder, "latin1.tsv");
        await File.WriteAllBytesAsync(input, data);
        string table = Path.Combine(_folder.Folder, "all.tsv");

        using var tally = TallyProcess.Start(_folder.Folder, "count", input, "--top", "3", "-o", table, "--quiet");

        Assert.Equal(0, await tally.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        byte[][] expected = [[.. "caf"u8, 0xE9, .. "\t5"u8], [.. "caf"u8, 0xFF, .. "\t3"u8], [.. "café\t1"u8]];
        Assert.Equal(expected, tally.OutputLineBytes);
        var written = (await File.ReadAllBytesAsync(table)).AsSpan();
        foreach (byte[] row in expected)
        {
            Assert.True(written.IndexOf([.. row, (byte)'\n']) >= 0, $"-o lacks the row {Convert.ToHexString(row)}");
        }
    }
}
