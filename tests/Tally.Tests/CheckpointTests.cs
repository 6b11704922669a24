using Tally.Engine;
using Tally.Execution;
using Tally.Serialization;
using Tally.Sources;
using Tally.Testing;
using Tally.Tests.Support;

namespace Tally.Tests;

/// <summary><see cref="CountOptions.CheckpointDirectory"/>: finished files are saved, and a rerun resumes from what it can trust.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly byte[][] _files = [.. Enumerable.Range(0, 3).Select(i => RandomNgrams.Rows(500 + i, 300))];
    private readonly string[] _paths;

    public CheckpointTests()
    {
        _paths = [.. _files.Select((f, i) => _folder.Write($"in/f{i}.gz", RandomNgrams.Gzip(f)))];
    }

    private string Checkpoints => Path.Combine(_folder.Path, "checkpoints");

    public void Dispose() => _folder.Dispose();

    private CountOptions Options(int workers = 2, MalformedRowPolicy rows = MalformedRowPolicy.Fail, string? rejects = null) =>
        ReferenceEquivalenceTests.Pipeline(workers, 128) with { CheckpointDirectory = Checkpoints, MalformedRows = rows, RejectsPath = rejects };

    private Task<Output.CountResult> Run(CountOptions options) => CountJob.Start([.. _paths.Select(DataSource.FromFile)], options).Result;

    private string[] CheckpointFiles() => Directory.GetFiles(Checkpoints);

    [Fact]
    public async Task Checkpoint_EveryFinishedFileIsSaved_AndARerunResumesThemAll()
    {
        var first = await Run(Options());
        var second = await Run(Options(workers: 3));

        Assert.Equal(3, CheckpointFiles().Length);
        Assert.All(first.Sources, s => Assert.False(s.Resumed));
        Assert.All(second.Sources, s => Assert.True(s.Resumed));
        Assert.Equal(ReferenceCount.Count(_files), ReferenceCount.FromResult(second));
        Assert.Equal(first.Rows, second.Rows);
        Assert.Equal(first.Sources.OrderBy(s => s.Index).Select(s => (s.Rows, s.Bytes, s.StoredBytes, s.IsCompressed)),
            second.Sources.OrderBy(s => s.Index).Select(s => (s.Rows, s.Bytes, s.StoredBytes, s.IsCompressed)));
    }

    [Fact]
    public async Task Checkpoint_SerialPath_SavesAndResumesToo()
    {
        await Run(Options() with { SerialThresholdBytes = long.MaxValue });
        var second = await Run(Options() with { SerialThresholdBytes = long.MaxValue });

        Assert.All(second.Sources, s => Assert.True(s.Resumed));
        Assert.Equal(ReferenceCount.Count(_files), ReferenceCount.FromResult(second));
    }

    [Fact]
    public async Task Checkpoint_MadeByAnotherMapStep_IsRecomputed_AndSaysWhy()
    {
        // Two map steps over the same unchanged files: a table of one is never trusted by the other.
        var expected = ReferenceCount.FromResult(await Run(ReferenceEquivalenceTests.Pipeline(1, 4096) with { MapStep = new WordCountStep() }));
        await Run(Options());
        var words = await Run(Options() with { MapStep = new WordCountStep() });

        Assert.All(words.Sources, s => Assert.False(s.Resumed));
        Assert.All(words.Sources, s => Assert.StartsWith("was made by another format or with other options (ngram-v2; this run: word-count)", s.CheckpointProblem, StringComparison.Ordinal));
        Assert.Equal(expected, ReferenceCount.FromResult(words));

        var again = await Run(Options() with { MapStep = new WordCountStep() });
        Assert.All(again.Sources, s => Assert.True(s.Resumed));
        Assert.Equal(expected, ReferenceCount.FromResult(again));

        var ngrams = await Run(Options());
        Assert.All(ngrams.Sources, s => Assert.False(s.Resumed));
        Assert.Equal(ReferenceCount.Count(_files), ReferenceCount.FromResult(ngrams));
    }

    [Fact]
    public async Task Checkpoint_MadeUnderALooserLineLimit_IsRecomputed()
    {
        await Run(Options() with { MaxLineLength = 1 << 20 });
        var stricter = await Run(Options() with { MaxLineLength = 1 << 16 });
        var looser = await Run(Options() with { MaxLineLength = 1 << 20 });

        Assert.All(stricter.Sources, s => Assert.StartsWith("was made under a looser --max-line-length", s.CheckpointProblem, StringComparison.Ordinal));
        Assert.All(looser.Sources, s => Assert.True(s.Resumed));
    }

    [Fact]
    public async Task Checkpoint_ChangedFile_IsCountedAgain()
    {
        await Run(Options());
        var changed = RandomNgrams.Rows(999, 100);
        await File.WriteAllBytesAsync(_paths[1], RandomNgrams.Gzip(changed));

        var second = await Run(Options());

        var recounted = Assert.Single(second.Sources, s => !s.Resumed);
        Assert.Equal(_paths[1], recounted.Name);
        Assert.Contains("stale", recounted.CheckpointProblem, StringComparison.Ordinal);
        Assert.Equal(ReferenceCount.Count([_files[0], changed, _files[2]]), ReferenceCount.FromResult(second));

        // The new checkpoint replaced the stale one.
        Assert.All((await Run(Options())).Sources, s => Assert.True(s.Resumed));
    }

    [Fact]
    public async Task Checkpoint_SameSizeNewModificationTime_IsCountedAgain()
    {
        await Run(Options());
        File.SetLastWriteTimeUtc(_paths[0], File.GetLastWriteTimeUtc(_paths[0]).AddSeconds(-10));

        var second = await Run(Options());

        Assert.False(second.Sources.Single(s => s.Name == _paths[0]).Resumed);
    }

    [Fact]
    public async Task Checkpoint_AnyDamage_IsCountedAgain_NeverTrusted()
    {
        await Run(Options());
        string checkpoint = CheckpointFiles().Single(f => Path.GetFileName(f).StartsWith("f1.gz.", StringComparison.Ordinal));
        byte[] intact = await File.ReadAllBytesAsync(checkpoint);
        var random = new Random(17);
        List<byte[]> damages = [intact[..^1], intact[..(intact.Length / 2)], intact[..10], [], [.. intact, 0]];
        for (int i = 0; i < 40; i++)
        {
            var flipped = (byte[])intact.Clone();
            flipped[i < 20 ? i : random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
            damages.Add(flipped);
        }

        foreach (var damaged in damages)
        {
            await File.WriteAllBytesAsync(checkpoint, damaged);

            var result = await Run(Options());

            var recounted = Assert.Single(result.Sources, s => !s.Resumed);
            Assert.Equal(_paths[1], recounted.Name);
            Assert.Contains("damaged", recounted.CheckpointProblem, StringComparison.Ordinal);
            Assert.Equal(ReferenceCount.Count(_files), ReferenceCount.FromResult(result));
        }
    }

    [Fact]
    public async Task Checkpoint_StandardInput_IsNeverSaved_AndAlwaysRead()
    {
        var stdin = RandomNgrams.Rows(77, 50);
        DataSource[] Sources() => [DataSource.FromFile(_paths[0]), DataSource.FromStream(InputResolver.StandardInputName, new MemoryStream(stdin))];

        await CountJob.Start(Sources(), Options());
        var second = await CountJob.Start(Sources(), Options());

        Assert.Single(CheckpointFiles());
        Assert.True(second.Sources.Single(s => s.Index == 0).Resumed);
        Assert.False(second.Sources.Single(s => s.Index == 1).Resumed);
        Assert.Equal(ReferenceCount.Count([_files[0], stdin]), ReferenceCount.FromResult(second));
    }

    [Fact]
    public async Task Checkpoint_LeftOutFile_IsNotSaved()
    {
        await File.WriteAllBytesAsync(_paths[2], RandomNgrams.Gzip(_files[2])[..^10]);

        var result = await Run(Options() with { BrokenSources = BrokenSourcePolicy.Skip });

        Assert.Single(result.LeftOut);
        Assert.Equal(2, CheckpointFiles().Length);
    }

    [Fact]
    public async Task Checkpoint_WithSkippedRows_ResumesOnlyARunThatSkipsToo()
    {
        var damaged = SkipModeTests.Damaged(3, 200, every: 5);
        await File.WriteAllBytesAsync(_paths[0], damaged);
        var first = await Run(Options(rows: MalformedRowPolicy.Skip));

        var skipping = await Run(Options(rows: MalformedRowPolicy.Skip));
        var failing = await Assert.ThrowsAsync<TallyDataException>(() => Run(Options()));

        var resumed = skipping.Sources.Single(s => s.Index == 0);
        Assert.True(resumed.Resumed);
        Assert.Equal(first.Sources.Single(s => s.Index == 0).SkippedRows, resumed.SkippedRows);
        Assert.Equal(first.Sources.Single(s => s.Index == 0).SkippedExamples.Select(r => (r.Line, r.Reason, r.Text.Length)),
            resumed.SkippedExamples.Select(r => (r.Line, r.Reason, r.Text.Length)));
        Assert.Equal(ReferenceRows.Totals([damaged, _files[1], _files[2]]), ReferenceCount.FromResult(skipping));
        Assert.StartsWith($"{_paths[0]}:", failing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_WithSkippedRows_IsCountedAgainWhenARejectsFileIsWanted()
    {
        var damaged = SkipModeTests.Damaged(4, 200, every: 5);
        await File.WriteAllBytesAsync(_paths[0], damaged);
        await Run(Options(rows: MalformedRowPolicy.Skip));
        string rejects = Path.Combine(_folder.Path, "rejects.tsv");

        var second = await Run(Options(rows: MalformedRowPolicy.Skip, rejects: rejects));

        Assert.False(second.Sources.Single(s => s.Index == 0).Resumed);
        Assert.True(second.Sources.Single(s => s.Index == 1).Resumed);
        byte[] expected = [.. ReferenceRows.RejectLines(_paths[0], damaged).SelectMany(b => b)];
        Assert.Equal(expected, await File.ReadAllBytesAsync(rejects));
    }

    [Fact]
    public async Task Checkpoint_TemporaryFileOfADeadWriter_IsRemoved_OthersAreKept()
    {
        Directory.CreateDirectory(Checkpoints);
        string orphan = Path.Combine(Checkpoints, $".f0.gz.0123456789abcdef.tlyc.{int.MaxValue}.{Guid.NewGuid():N}.tmp");
        string live = Path.Combine(Checkpoints, $".f0.gz.0123456789abcdef.tlyc.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        string unrelated = Path.Combine(Checkpoints, "notes.txt");
        foreach (string path in new[] { orphan, live, unrelated })
        {
            await File.WriteAllTextAsync(path, "x");
        }

        await Run(Options());

        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(unrelated));
    }

    [Fact]
    public async Task Checkpoint_SaveCancelled_StopsAtOnce_AndLeavesNoFile()
    {
        var store = new CheckpointStore(Checkpoints, Options());
        var table = new Aggregation.CountTable();
        for (int i = 0; i < 200_000; i++)
        {
            table.Add(System.Text.Encoding.UTF8.GetBytes($"ngram{i}"), i);
        }

        var info = store.Describe(new SourceIdentity($"file:{Path.GetFullPath(_paths[0])}", "size=1;mtime=2"), new SourceFigures(1, 1, 1, false), 0, []);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.SaveAsync(info, table, cancelled.Token));

        Assert.Empty(Directory.GetFiles(Checkpoints, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Checkpoint_FolderIsAFile_IsAnInputError()
    {
        string file = _folder.Write("not-a-folder", [1]);

        await Assert.ThrowsAsync<TallyInputException>(() => Run(Options() with { CheckpointDirectory = file }));
    }
}
