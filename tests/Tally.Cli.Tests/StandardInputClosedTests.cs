namespace Tally.Cli.Tests;

/// <summary>
/// Standard input closed at start (<c>&lt;&amp;-</c>) is an error, not a wait: the runtime takes
/// descriptor 0 for a pipe of its own then, whose write end tally holds, so a read would never end.
/// </summary>
/// <remarks>A hang fails the test through the timeout (the process is killed on dispose); nothing here asserts a time.</remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class StandardInputClosedTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private const string Rows = "a\t2000\t5\t1\n";

    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("count - -w a")]
    [InlineData("count in.tsv - -w a")]
    public async Task Dash_WithStandardInputClosed_ExitsThree_WithOneLine(string arguments)
    {
        _cli.Write("in.tsv", Rows);
        using var tally = TallyProcess.StartInShell(_cli.Folder, $"{arguments} <&-");

        Assert.Equal(3, await tally.WaitForExitAsync(s_timeout));
        Assert.Equal(["tally: standard input (-) is closed; give a file, or pipe data into tally"], tally.ErrorLines);
        Assert.Empty(tally.OutputLines);
    }

    [Fact]
    public async Task DevStdin_WithStandardInputClosed_ExitsThree_NamingIt()
    {
        // What /dev/stdin is, made here: a link to /proc/self/fd/0.
        File.CreateSymbolicLink(_cli.PathOf("stdin"), "/proc/self/fd/0");
        using var tally = TallyProcess.StartInShell(_cli.Folder, "count stdin -w a <&-");

        Assert.Equal(3, await tally.WaitForExitAsync(s_timeout));
        Assert.Equal(["tally: stdin: is standard input, which is closed; give a file, or pipe data into tally"], tally.ErrorLines);
    }

    [Fact]
    public async Task StandardInputClosed_ButNotAnInput_CountsAsUsual()
    {
        _cli.Write("in.tsv", Rows);
        using var tally = TallyProcess.StartInShell(_cli.Folder, "count in.tsv -w a <&-");

        Assert.Equal(0, await tally.WaitForExitAsync(s_timeout));
        Assert.Equal(["a\t5"], tally.OutputLines);
    }

    [Fact]
    public async Task Dash_WithStandardInputAFile_IsRead_NotMistakenForClosed()
    {
        _cli.Write("in.tsv", Rows);
        using var tally = TallyProcess.StartInShell(_cli.Folder, "count - -w a <in.tsv");

        Assert.Equal(0, await tally.WaitForExitAsync(s_timeout));
        Assert.Equal(["a\t5"], tally.OutputLines);
    }
}
