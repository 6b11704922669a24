namespace Tally.Cli.Tests;

/// <summary>
/// No input or option value produces a stack trace: seeded random and hostile command lines end in
/// exit 0, 1, 2 or 3, and a failure says so in one clear line. <c>TALLY_ARGS_CASES</c> runs more.
/// </summary>
public sealed class ArgumentFuzzTests : IDisposable
{
    private static readonly int s_cases =
        int.TryParse(Environment.GetEnvironmentVariable("TALLY_ARGS_CASES"), out int cases) && cases > 0 ? cases : 300;

    private static readonly string[] s_options =
    [
        "-w", "--word", "--top", "-n", "-o", "--output", "--workers", "-t", "--threads", "--executor", "--block-size",
        "--max-line-length", "--skip-bad", "--rejects", "--skip-bad-files", "--checkpoint", "--quiet", "-q", "--verbose", "-v",
        "--help", "--", "-", "--nope", "-x",
    ];

    private static readonly string[] s_values =
    [
        "", " ", "0", "1", "-1", "2", "16", "abc", "99999999999", "2147483647", "-2147483648", "1e3", "0x10", "threads", "processes",
        "nope", "\u001b[2J", "a\nb", "a\tb", "\r", "Zürich", "日本", "\u0000", "--", "-", "..", "/", "~",
    ];

    private readonly CliRunner _cli = new();
    private readonly string[] _paths;

    public ArgumentFuzzTests()
    {
        string good = _cli.Write("good.tsv", "Aardvark\t2000\t5\t1\nabc\t2000\t7\t1\n");
        string bad = _cli.Write("bad.tsv", "Aardvark\t2000\t5\t1\nnot a row\n");
        string gz = _cli.Write("good.gz", "abc\t2000\t7\t1\n", gzip: true);
        Directory.CreateDirectory(_cli.PathOf("folder"));
        _cli.Write("folder/a.tsv", "x\t1\t1\t1\n");
        _paths = [good, bad, gz, _cli.PathOf("folder"), _cli.PathOf("missing.tsv"), _cli.PathOf("out.tsv"), _cli.PathOf("folder/*.tsv"),
            _cli.PathOf("nofolder/out.tsv"), _cli.PathOf("checkpoints"), _cli.PathOf("rejects.tsv")];
    }

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task RandomCommandLines_EndInAnExitCodeAndOneClearLine_NeverAStackTrace()
    {
        for (int c = 0; c < s_cases; c++)
        {
            var random = new Random(c);
            var args = new List<string> { random.Next(10) == 0 ? s_values[random.Next(s_values.Length)] : "count" };
            int words = random.Next(1, 7);
            for (int i = 0; i < words; i++)
            {
                args.Add(random.Next(3) switch
                {
                    0 => s_options[random.Next(s_options.Length)],
                    1 => _paths[random.Next(_paths.Length)],
                    _ => s_values[random.Next(s_values.Length)],
                });
            }

            string line = string.Join(" ", args.Select(a => $"[{a}]"));
            var run = await _cli.RunAsync([.. args]).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.True(run.ExitCode is 0 or 1 or 2 or 3, $"case {c}: {line}: exit {run.ExitCode}\n{run.Error}");
            Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain('\u001b', run.Error);
            if (run.ExitCode != 0)
            {
                Assert.StartsWith("tally: ", run.Error, StringComparison.Ordinal);
            }

            foreach (string path in Directory.GetFiles(_cli.Folder, "*.tmp", SearchOption.AllDirectories))
            {
                Assert.Fail($"case {c}: {line}: left {path}");
            }
        }
    }
}
