using System.Diagnostics;
using System.Text;

namespace Tally.Cli.Tests;

/// <summary>
/// Names are bytes on Linux: a file name or a <c>--word</c> that is not valid UTF-8 is taken as its
/// bytes, and every message shows such bytes, and control characters, as <c>\xNN</c>.
/// </summary>
/// <remarks>
/// .NET passes arguments to a child as UTF-8 text, so tally is started through <c>/bin/sh</c>, and
/// the bytes are made there with <c>printf</c> octal escapes (<c>\377</c> is 0xFF).
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ByteNameTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private readonly CliRunner _cli = new();

    public ByteNameTests()
    {
        // x\xFF.tsv and x\xFE.tsv, which .NET would both decode as "x\uFFFD.tsv"; one key, b\xFF, is not UTF-8 either.
        Directory.CreateDirectory(_cli.PathOf("data"));
        Shell("""
            printf 'a\t2000\t5\t1\nb\377\t2000\t3\t1\n' > "data/x$(printf '\377').tsv"
            printf 'a\t2000\t7\t1\nb\376\t2000\t4\t1\n' > "data/x$(printf '\376').tsv"
            """);
    }

    public void Dispose() => _cli.Dispose();

    private void Shell(string script)
    {
        var info = new ProcessStartInfo("/bin/sh") { WorkingDirectory = _cli.Folder, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        using var process = Process.Start(info)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
    }

    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);

    /// <summary>Every line of stderr is printable ASCII: no raw invalid byte, no control character reached the terminal.</summary>
    private static void AssertPrintable(TallyProcess tally)
        => Assert.All(tally.ErrorLines, line => Assert.True(line.All(c => c is >= ' ' and < '\x7F'), line));

    [Theory]
    [InlineData("count \"data/x$(printf '\\377').tsv\" -w a", 5)]
    [InlineData("count \"data/x$(printf '\\376').tsv\" -w a", 7)]
    [InlineData("count data -w a", 12)]
    [InlineData("count 'data/x?.tsv' -w a", 12)]
    [InlineData("count 'data/**' -w a", 12)]
    [InlineData("count data -w a --executor processes --workers 2", 12)]
    public async Task NameNotUtf8_NamedDirectly_OrFoundInAFolderOrByAGlob_IsRead(string arguments, int total)
    {
        using var tally = TallyProcess.StartInShell(_cli.Folder, arguments);

        Assert.Equal(0, await tally.WaitForExitAsync(s_timeout));
        Assert.Equal([$"a\t{total}"], tally.OutputLines);
    }

    [Fact]
    public async Task Word_NotUtf8_MatchesTheSameBytes_AndIsPrintedAsThem()
    {
        using var tally = TallyProcess.StartInShell(_cli.Folder, "count data -w \"b$(printf '\\377')\" -w \"b$(printf '\\376')\" -w \"b$(printf '\\375')\"");

        Assert.Equal(0, await tally.WaitForExitAsync(s_timeout));
        Assert.Equal([Latin1("b\xFF\t3"), Latin1("b\xFE\t4"), Latin1("b\xFD\t0")], tally.OutputLineBytes);
    }

    [Fact]
    public async Task Verbose_AndCheckpoints_ShowNamesWithHexEscapes_AndKeepTwoSuchFilesApart()
    {
        const string Arguments = "count data -w a --verbose --checkpoint ck";
        using var first = TallyProcess.StartInShell(_cli.Folder, Arguments);
        Assert.Equal(0, await first.WaitForExitAsync(s_timeout));
        using var second = TallyProcess.StartInShell(_cli.Folder, Arguments);

        Assert.Equal(0, await second.WaitForExitAsync(s_timeout));
        Assert.Equal(["a\t12"], second.OutputLines);
        Assert.Contains(second.ErrorLines, l => l.StartsWith("tally: done data/x\\xFE.tsv: 2 rows", StringComparison.Ordinal) && l.EndsWith("(resumed from its checkpoint)", StringComparison.Ordinal));
        Assert.Contains(second.ErrorLines, l => l.StartsWith("tally: done data/x\\xFF.tsv: 2 rows", StringComparison.Ordinal) && l.EndsWith("(resumed from its checkpoint)", StringComparison.Ordinal));
        AssertPrintable(second);
    }

    [Fact]
    public async Task MissingFile_NameWithAnInvalidByteAndAnEscape_IsShownAsHex()
    {
        using var tally = TallyProcess.StartInShell(_cli.Folder, "count \"nope$(printf '\\377\\033x')\" -w a");

        Assert.Equal(3, await tally.WaitForExitAsync(s_timeout));
        Assert.Equal(["tally: nope\\xFF\\x1Bx: no such file"], tally.ErrorLines);
    }

    [Fact]
    public async Task BadRow_InAFileWithAnInvalidByteInItsName_AndInTheValue_IsShownAsHex_InTheErrorAndTheRejectsFile()
    {
        Shell("""printf 'a\t20\377\033x\t5\t1\n' > "bad$(printf '\376\t').tsv" """);

        // --format ngram-v2: under auto, a first line that is not v2 or v3 names no column.
        using var failing = TallyProcess.StartInShell(_cli.Folder, "count \"bad$(printf '\\376\\t').tsv\" -w a --format ngram-v2");
        using var skipping = TallyProcess.StartInShell(_cli.Folder, "count \"bad$(printf '\\376\\t').tsv\" -w a --format ngram-v2 --skip-bad --rejects rejects.tsv");

        Assert.Equal(1, await failing.WaitForExitAsync(s_timeout));
        Assert.Equal(["tally: bad\\xFE\\x09.tsv:1: column 2 (year): \"20\\xFF\\x1Bx\" is not a non-negative integer"], failing.ErrorLines);
        Assert.Equal(0, await skipping.WaitForExitAsync(s_timeout));
        AssertPrintable(skipping);
        byte[] rejects = await File.ReadAllBytesAsync(_cli.PathOf("rejects.tsv"));
        Assert.Equal(Latin1("bad\\xFE\\x09.tsv\t1\tcolumn 2 (year): \"20\\xFF\\x1Bx\" is not a non-negative integer\ta\t20\xFF\x1Bx\t5\t1\n"), rejects);
    }

    [Theory]
    [InlineData("-o")]
    [InlineData("--rejects")]
    [InlineData("--checkpoint")]
    public async Task OutputPath_NotUtf8_IsAUsageError_NeverAFileOfAnotherName(string option)
    {
        // U+DCFF is how an argument's byte 0xFF is carried (Program.cs reads it back from /proc/self/cmdline).
        string data = _cli.PathOf("data");
        string output = _cli.PathOf("out\uDCFF");
        string[] args = option == "--rejects" ? ["count", data, "--skip-bad", option, output] : ["count", data, option, output];

        var run = await _cli.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"tally: {option} {_cli.Folder}/out\\xFF: a path that is not valid UTF-8 cannot be written; rename it or give another\n", run.Error);
        Assert.Equal(["data"], Directory.GetFileSystemEntries(_cli.Folder).Select(Path.GetFileName));
    }
}
