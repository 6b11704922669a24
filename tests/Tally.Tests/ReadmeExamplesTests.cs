using System.Text;
using Tally.Engine;
using Tally.Executors.Processes;
using Tally.Formats.Filters;
using Tally.Mapping;
using Tally.Series;
using Tally.Sources;
using Tally.Testing;
using Tally.Tests.Support;
using Tally.Workers;

namespace Tally.Tests;

/// <summary>Runs in a collection of its own: the examples use paths relative to the working directory, which these tests change.</summary>
[CollectionDefinition(nameof(WorkingDirectoryTests), DisableParallelization = true)]
public sealed class WorkingDirectoryTests;

/// <summary>
/// The README's library examples, copied line for line into test methods and run in a temporary
/// folder; <see cref="EveryReadmeExampleLine_AppearsInTheseTests"/> fails when the two drift apart.
/// </summary>
[Collection(nameof(WorkingDirectoryTests))]
public sealed class ReadmeExamplesTests : IDisposable
{
    /// <summary>README lines the tests replace, each with the reason in the test.</summary>
    private static readonly string[] s_substituted = ["Executor = new ProcessExecutor(WorkerCommand.ForCurrentProcess(\"worker\")),"];

    /// <summary>The files that hold the README's examples.</summary>
    private static readonly string[] s_exampleFiles = ["ReadmeExamplesTests.cs", "../Tally.Testing/WordCountStep.cs", "../Tally.Testing/LineCountStep.cs", "TestWorkerProgram.cs"];

    private readonly TempFolder _folder = new();
    private readonly string _previous = Environment.CurrentDirectory;

    public ReadmeExamplesTests()
    {
        _folder.Write("data/googlebooks-eng-all-1gram-20120701-a", "Aardvark\t1999\t5\t1\nAardvark\t2000\t7\t2\nabc\t2000\t3000000000\t1\n"u8.ToArray());
        _folder.Write("data/googlebooks-eng-all-1gram-20120701-b.gz", RandomNgrams.Gzip("Aardvark\t2001\t30\t1\nbee\t1900\t2\t1\n"u8.ToArray()));
        _folder.Write("notes/one.txt", "tally counts words\ntally counts\n"u8.ToArray());
        _folder.Write("notes/two.txt", "a tally of tally words\n"u8.ToArray());
        Environment.CurrentDirectory = _folder.Path;
    }

    public void Dispose()
    {
        Environment.CurrentDirectory = _previous;
        _folder.Dispose();
    }

    [Fact]
    public async Task CountWatchAndQuery()
    {
        var sources = InputResolver.Resolve(["data/"]);
        using var cancel = new CancellationTokenSource();     // cancel.Cancel() stops the job
        var progress = new Progress<CountProgress>(p => Console.Error.Write($"\r{p.Rows:N0} rows"));
        var job = CountJob.Start(sources, new CountOptions { Workers = Environment.ProcessorCount }, progress, cancel.Token);

        await foreach (var done in job.Completions)          // in completion order
            Console.WriteLine($"{done.Name}: {done.Rows:N0} rows in {done.Duration.TotalSeconds:F2} s");

        var result = await job;                               // the merged, exact totals
        Console.WriteLine(result.GetTotal("Aardvark"));
        foreach (var top in result.Top(10)) Console.WriteLine(top);
        await result.WriteTsvAsync("totals.tsv");

        Assert.Equal(42, result.GetTotal("Aardvark"));
        Assert.Equal("Aardvark\t42\nabc\t3000000000\nbee\t2\n", await File.ReadAllTextAsync("totals.tsv"));
    }

    [Fact]
    public async Task SeriesOfTwoWords()
    {
        _folder.Write("totalcounts-1", " \t1999,100,1,1\t2000,1000,1,1\t2001,60,1,1"u8.ToArray());

        var query = new SeriesQuery
        {
            Words = ["Aardvark", "bee"],
            Filter = new NgramFilter { Years = new YearRange(1999, 2001) },
            Totals = [TotalCounts.Read("totalcounts-1")],         // optional: values become relative frequencies
            Smoothing = 0,
        };
        var job = SeriesJob.Start(InputResolver.Resolve(["data/"]), query);

        await foreach (var done in job.Completions)               // in completion order, as a count's
            Console.WriteLine($"{done.Name}: {done.Rows:N0} rows");

        var series = await job;
        foreach (var ngram in series.Series)
            Console.WriteLine($"{ngram.Ngram}: {string.Join(" ", ngram.MatchCounts)} / {string.Join(" ", ngram.RelativeFrequencies!)}");
        await Tally.Output.OutputFormatRegistry.Tsv.WriteRecordsAsync(series.ToRecords(), "series.tsv");  // or CSV, JSON Lines, Parquet...

        Assert.Equal([1999L, 2000, 2001], series.Years);
        Assert.Equal([5L, 7, 30], series.Series[0].MatchCounts);
        Assert.Equal([0.05, 0.007, 0.5], series.Series[0].RelativeFrequencies!);
        Assert.Equal([0L, 0, 0], series.Series[1].MatchCounts);
        Assert.Equal("ngram\tyear\tmatch_count\trelative_frequency\nAardvark\t1999\t5\t0.05\nAardvark\t2000\t7\t0.007\nAardvark\t2001\t30\t0.5\n"
            + "bee\t1999\t0\t0.0\nbee\t2000\t0\t0.0\nbee\t2001\t0\t0.0\n", await File.ReadAllTextAsync("series.tsv"));
    }

    [Fact]
    public async Task OwnMapStep()
    {
        var result = await CountJob.Start(InputResolver.Resolve(["notes/"]), new CountOptions { MapStep = new WordCountStep() });
        Console.WriteLine($"tally: {result.GetTotal("tally")}");

        Assert.Equal(4, result.GetTotal("tally"));
        Assert.Equal(2, result.GetTotal("counts"));
        Assert.Equal(3, result.Rows);
    }

    [Fact]
    public async Task WorkerProcesses()
    {
        // The README's program, as a local function; the worker half runs when the test worker
        // (TestWorkerProgram.Main, the same code) is started with "worker".
        static async Task<int> Program(string[] args)
        {
            if (args is ["worker"])                               // started by the job below
                return await WorkerHost.RunAsync(Console.OpenStandardInput(), Console.OpenStandardOutput(),
                    MapStepRegistry.WithBuiltIns().Add(new LineCountStep()));

            var options = new CountOptions
            {
                MapStep = new LineCountStep(),
                // Substituted: ForCurrentProcess would restart the test host, not a worker program.
                Executor = new ProcessExecutor(TestWorker.Command()),
                Workers = 4,
            };
            var result = await CountJob.Start(InputResolver.Resolve(args), options);
            Console.WriteLine($"{result.GetTotal("lines"):N0} lines");
            Assert.Equal(3, result.GetTotal("lines"));
            return 0;
        }

        Assert.Equal(0, await Program(["notes"]));
    }

    [Fact]
    public void EveryReadmeExampleLine_AppearsInTheseTests()
    {
        string root = Path.GetFullPath(Path.Combine(SourceFolder(), "..", ".."));
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        string tests = string.Concat(s_exampleFiles.Select(f => File.ReadAllText(Path.Combine(SourceFolder(), f))));
        var testLines = tests.Split('\n').Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);

        var missing = new StringBuilder();
        foreach (string block in CSharpBlocks(readme))
        {
            foreach (string line in block.Split('\n').Select(l => l.Trim()))
            {
                bool skipped = line.Length == 0 || line.StartsWith("using ", StringComparison.Ordinal) || line.StartsWith("///", StringComparison.Ordinal)
                    || line.StartsWith("sealed class", StringComparison.Ordinal) || s_substituted.Contains(line);
                if (!skipped && !testLines.Contains(line))
                {
                    missing.AppendLine(line);
                }
            }
        }

        Assert.True(missing.Length == 0, $"README example lines not found in the tests that run them:\n{missing}");
    }

    private static IEnumerable<string> CSharpBlocks(string markdown)
    {
        const string Open = "```csharp\n";
        int at = 0;
        while ((at = markdown.IndexOf(Open, at, StringComparison.Ordinal)) >= 0)
        {
            int end = markdown.IndexOf("```", at + Open.Length, StringComparison.Ordinal);
            yield return markdown[(at + Open.Length)..end];
            at = end + 3;
        }
    }

    private static string SourceFolder([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") => Path.GetDirectoryName(thisFile)!;
}
