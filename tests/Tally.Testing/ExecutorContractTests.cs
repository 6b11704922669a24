using System.Text;
using Tally.Engine;
using Tally.Formats.Auto;
using Tally.Formats.Filters;
using Tally.Sources;

namespace Tally.Testing;

/// <summary>
/// What every executor must do, whatever runs the map step: the same exact totals, completions in
/// completion order, prompt cancellation with nothing left running, and the same errors. Each
/// executor's test class inherits this suite, also in another assembly (it lives in Tally.Testing).
/// </summary>
public abstract class ExecutorContractTests
{
    /// <summary>How long any one wait in a test may take before the test fails instead of hanging.</summary>
    protected virtual TimeSpan Guard => TimeSpan.FromSeconds(60);

    /// <summary>Options that make the job run on the executor under test.</summary>
    protected abstract CountOptions Options(int workers, int blockSize);

    /// <summary>Whether sources run side by side (false for the serial executor, which counts them in turn).</summary>
    protected virtual bool RunsSourcesConcurrently => true;

    /// <summary>Checks that nothing the executor started is still running once the job has ended.</summary>
    protected virtual void AssertNothingLeftRunning()
    {
    }

    [Theory]
    [InlineData(1, 16, false)]
    [InlineData(2, 61, true)]
    [InlineData(3, 4096, false)]
    [InlineData(2, TallyDefaults.BlockSize, true)]
    public async Task Count_RandomFiles_EqualsReference(int workers, int blockSize, bool gzip)
    {
        using var folder = new TempFolder();
        var files = Enumerable.Range(0, 4).Select(i => RandomNgrams.Rows(seed: (workers * 100) + i, ngrams: 300 + (i * 150), crlf: i == 2, finalNewline: i != 1)).ToArray();
        var sources = files.Select((f, i) => DataSource.FromFile(folder.Write($"f{i}", gzip ? RandomNgrams.Gzip(f, members: i + 1) : f))).ToArray();

        var result = await CountJob.Start(sources, Options(workers, blockSize)).Result.WaitAsync(Guard);

        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));
        Assert.Equal(files.Sum(f => (long)f.AsSpan().Count((byte)'\n') + (f.Length > 0 && f[^1] != '\n' ? 1 : 0)), result.Rows);
        Assert.Equal(sources.Select(s => s.Name).Order(), result.Sources.Select(s => s.Name).Order());
        AssertNothingLeftRunning();
    }

    [Fact]
    public async Task Count_EmptyFileAmongOthers_EqualsReference()
    {
        using var folder = new TempFolder();
        byte[][] files = [RandomNgrams.Rows(seed: 3, ngrams: 100), [], RandomNgrams.Rows(seed: 4, ngrams: 50)];
        var sources = files.Select((f, i) => DataSource.FromFile(folder.Write($"f{i}", f))).ToArray();

        var result = await CountJob.Start(sources, Options(2, 64)).Result.WaitAsync(Guard);

        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));
        Assert.Equal(3, result.Sources.Count);
    }

    [Fact]
    public async Task Count_StandardInputWithFiles_EqualsReference()
    {
        using var folder = new TempFolder();
        var stdin = RandomNgrams.Rows(seed: 11, ngrams: 400);
        var file = RandomNgrams.Rows(seed: 12, ngrams: 300);
        DataSource[] sources =
        [
            DataSource.FromStream(InputResolver.StandardInputName, new MemoryStream(RandomNgrams.Gzip(stdin, members: 3))),
            DataSource.FromFile(folder.Write("file.gz", RandomNgrams.Gzip(file))),
        ];

        var result = await CountJob.Start(sources, Options(2, 128)).Result.WaitAsync(Guard);

        Assert.Equal(ReferenceCount.Count([stdin, file]), ReferenceCount.FromResult(result));
    }

    [Fact]
    public async Task Count_UserMapStep_EqualsReference()
    {
        using var folder = new TempFolder();
        var random = new Random(8);
        string[] vocabulary = ["tally", "ngram", "worker", "thread", "Aardvark", "é", "日本"];
        var texts = Enumerable.Range(0, 3).Select(_ => string.Concat(Enumerable.Range(0, 500)
            .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(0, 9)).Select(_ => vocabulary[random.Next(vocabulary.Length)])) + "\n"))).ToArray();
        var sources = texts.Select((t, i) => DataSource.FromFile(folder.Write($"t{i}.txt", Encoding.UTF8.GetBytes(t)))).ToArray();

        var result = await CountJob.Start(sources, Options(2, 100) with { MapStep = new WordCountStep() }).Result.WaitAsync(Guard);

        var expected = texts.SelectMany(t => t.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries))
            .GroupBy(w => w, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        Assert.Equal(expected, result.Sorted().ToDictionary(e => e.Key, e => e.Total, StringComparer.Ordinal));
        Assert.Equal(1500, result.Rows);
    }

    [Fact]
    public async Task Count_AutoFormat_ReportsTheFormatEachSourceWasReadIn()
    {
        // `auto` decides per file, wherever the file is counted: the summary's format column must
        // say what was decided, so the result has to carry it back from a worker or a node.
        using var folder = new TempFolder();
        DataSource[] sources =
        [
            DataSource.FromFile(folder.Write("v2.tsv", "a\t1900\t5\t1\nb\t1901\t2\t1\n"u8.ToArray())),
            DataSource.FromFile(folder.Write("v3.tsv.gz", RandomNgrams.Gzip("a\t1900,7,1\t1901,1,1\n"u8.ToArray()))),
            DataSource.FromFile(folder.Write("empty", [])),
        ];

        var result = await CountJob.Start(sources, Options(2, 64) with { MapStep = new AutoMapStep(NgramFilter.None) }).Result.WaitAsync(Guard);

        Assert.Equal(13, result.GetTotal("a"));
        Assert.Equal(2, result.GetTotal("b"));
        // An empty file decides nothing: no format, as locally.
        Assert.Equal(["ngram-v2", "ngram-v3", null], result.Sources.OrderBy(s => s.Index).Select(s => s.Format));
    }

    [Fact]
    public async Task Completions_ComeInCompletionOrder_NotSubmissionOrder()
    {
        // The large source is listed first and starts first, but cannot finish until the test has
        // seen the small one complete. The serial executor counts sources in turn, so for it the
        // gate is open from the start and the order is the list's.
        using var folder = new TempFolder();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!RunsSourcesConcurrently)
        {
            gate.SetResult();
        }

        var first = RandomNgrams.Rows(seed: 1, ngrams: 200);
        var rest = RandomNgrams.Rows(seed: 2, ngrams: 200);
        using var large = Fifo.Gated(Path.Combine(folder.Path, "large"), first, gate.Task, rest);
        string small = folder.Write("small", "small\t2000\t1\t1\n"u8.ToArray());
        var job = CountJob.Start([DataSource.FromFile(large.Path), DataSource.FromFile(small)], Options(2, 256));

        var order = new List<string>();
        await foreach (var done in job.Completions.WithCancellation(new CancellationTokenSource(Guard).Token))
        {
            order.Add(Path.GetFileName(done.Name));
            gate.TrySetResult();
        }

        var result = await job.Result.WaitAsync(Guard);
        string[] expected = RunsSourcesConcurrently ? ["small", "large"] : ["large", "small"];
        Assert.Equal(expected, order);
        Assert.Equal(expected, result.Sources.Select(s => Path.GetFileName(s.Name)));
        Assert.Equal(ReferenceCount.Count([[.. first, .. rest], "small\t2000\t1\t1\n"u8.ToArray()]), ReferenceCount.FromResult(result));
    }

    [Fact]
    public async Task Cancel_MidJob_ThrowsPromptly_AndLeavesNothingRunning()
    {
        using var folder = new TempFolder();
        using var endless = Fifo.Endless(Path.Combine(folder.Path, "endless"));
        using var cancellation = new CancellationTokenSource();
        var job = CountJob.Start([DataSource.FromFile(endless.Path)], Options(2, 64), cancellationToken: cancellation.Token);
        while (job.Snapshot().Rows == 0)
        {
            Assert.False(job.Result.IsCompleted, "the job ended by itself");
            await Task.Delay(5);
        }

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.Result.WaitAsync(Guard));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in job.Completions)
            {
            }
        });
        AssertNothingLeftRunning();
    }

    [Fact]
    public async Task BadRow_FailsWithPathAndLine_AndStopsTheOtherSources()
    {
        using var folder = new TempFolder();
        string bad = folder.Write("bad", "fine\t1\t1\t1\nbroken\t1\t1\n"u8.ToArray());
        using var endless = Fifo.Endless(Path.Combine(folder.Path, "endless"));

        var job = CountJob.Start([DataSource.FromFile(bad), DataSource.FromFile(endless.Path)], Options(2, 64));
        var error = await Assert.ThrowsAsync<TallyDataException>(() => job.Result.WaitAsync(Guard));

        Assert.Equal($"{bad}:2: expected 4 TAB-separated columns, found 3", error.Message);
        Assert.Equal(bad, error.Source);
        Assert.Equal(2, error.Line);
        AssertNothingLeftRunning();
    }

    [Fact]
    public async Task BadRow_InUserMapStep_FailsWithPathAndLine()
    {
        using var folder = new TempFolder();
        string text = folder.Write("text", "one two\nthree\nfour\0five\n"u8.ToArray());

        var error = await Assert.ThrowsAsync<TallyDataException>(() =>
            CountJob.Start([DataSource.FromFile(text)], Options(1, 16) with { MapStep = new WordCountStep() }).Result.WaitAsync(Guard));

        Assert.Equal($"{text}:3: a NUL byte: this is not text", error.Message);
    }

    [Fact]
    public async Task TruncatedGzip_FailsNamingTheFile()
    {
        using var folder = new TempFolder();
        var whole = RandomNgrams.Gzip(RandomNgrams.Rows(9, 3000));
        string cut = folder.Write("cut.gz", whole.AsSpan(0, whole.Length / 2).ToArray());

        var error = await Assert.ThrowsAsync<TallyDataException>(() =>
            CountJob.Start([DataSource.FromFile(cut)], Options(2, 1024)).Result.WaitAsync(Guard));

        Assert.StartsWith($"{cut}: truncated gzip", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileRemovedAfterResolving_IsAnInputErrorNamingIt()
    {
        using var folder = new TempFolder();
        string gone = folder.Write("gone", "w\t1\t1\t1\n"u8.ToArray());
        var source = DataSource.FromFile(gone);
        File.Delete(gone);

        var error = await Assert.ThrowsAsync<TallyInputException>(() =>
            CountJob.Start([source], Options(1, 64)).Result.WaitAsync(Guard));

        Assert.StartsWith($"{gone}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_FinalSnapshot_AccountsForEveryRowAndByte()
    {
        using var folder = new TempFolder();
        var files = Enumerable.Range(0, 3).Select(i => RandomNgrams.Rows(40 + i, 300)).ToArray();
        var paths = files.Select((f, i) => folder.Write($"p{i}.gz", RandomNgrams.Gzip(f))).ToArray();
        var reports = new List<CountProgress>();
        var progress = new LockedProgress<CountProgress>(reports.Add);

        var result = await CountJob.Start([.. paths.Select(DataSource.FromFile)], Options(2, 128), progress).Result.WaitAsync(Guard);

        var last = reports[^1];
        Assert.All(last.Sources, s => Assert.Equal(SourceStatus.Done, s.Status));
        Assert.Equal(result.Rows, last.Rows);
        Assert.Equal(paths.Sum(p => new FileInfo(p).Length), last.StoredBytesRead);
        Assert.Equal(files.Sum(f => (long)f.Length), result.Sources.Sum(s => s.Bytes));
        Assert.All(result.Sources, s => Assert.True(s.IsCompressed));
    }

    private sealed class LockedProgress<T>(Action<T> report) : IProgress<T>
    {
        private readonly Lock _lock = new();

        public void Report(T value)
        {
            lock (_lock)
            {
                report(value);
            }
        }
    }
}
