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
}
