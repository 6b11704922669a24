using System.Text;
using Tally.Engine;
using Tally.Sources;
using Tally.Testing;
using Tally.Tests.Support;

namespace Tally.Tests;

/// <summary>Completion order, cancellation, failure and progress of a running job.</summary>
public sealed class JobBehaviourTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Completions_SmallSourceStartedLater_IsYieldedBeforeLargeOne()
    {
        // The large source is listed first and starts first, but cannot finish until the test
        // has seen the small one complete: completion order, not submission order.
        var large = new GatedStream(RandomNgrams.Rows(1, 200), RandomNgrams.Rows(2, 2000));
        var small = new MemoryStream("small\t2000\t1\t1\n"u8.ToArray());
        var job = CountJob.Start(
            [DataSource.FromStream("large", large), DataSource.FromStream("small", small)],
            ReferenceEquivalenceTests.Pipeline(2, 256));

        var order = new List<string>();
        await foreach (var done in job.Completions)
        {
            order.Add(done.Name);
            large.Open();
        }

        var result = await job.Result.WaitAsync(s_guard);
        Assert.Equal(["small", "large"], order);
        Assert.Equal(["small", "large"], result.Sources.Select(s => s.Name));
    }

    [Fact]
    public async Task Cancel_EndlessSource_ThrowsPromptlyAndStopsReading()
    {
        var endless = new EndlessStream();
        using var cancellation = new CancellationTokenSource();
        var job = CountJob.Start([DataSource.FromStream("endless", endless)], ReferenceEquivalenceTests.Pipeline(3, 4096), cancellationToken: cancellation.Token);
        while (endless.Reads < 50)
        {
            await Task.Delay(5);
        }

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.Result.WaitAsync(s_guard));
        int readsAfterStop = endless.Reads;
        await Task.Delay(100);
        Assert.Equal(readsAfterStop, endless.Reads);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Cancel_StreamThatIgnoresCancellation_StillStopsTheJob(int workers)
    {
        // Standard input on Unix is such a stream: its read blocks in read(2) until data arrives.
        var silent = new SilentStream([.. "first\t1\t1\t1\n"u8]);
        using var cancellation = new CancellationTokenSource();
        var job = CountJob.Start([DataSource.FromStream("<stdin>", silent)], ReferenceEquivalenceTests.Pipeline(workers, 4096), cancellationToken: cancellation.Token);
        await silent.Waiting.WaitAsync(s_guard);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.Result.WaitAsync(s_guard));
        Assert.True(job.Snapshot().Sources[0].StoredBytesRead > 0);
    }

    [Fact]
    public async Task Cancel_CompletionsStream_EndsWithTheSameError()
    {
        using var cancellation = new CancellationTokenSource();
        var job = CountJob.Start([DataSource.FromStream("endless", new EndlessStream())], ReferenceEquivalenceTests.Pipeline(2, 4096), cancellationToken: cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in job.Completions)
            {
            }
        });
    }

    [Fact]
    public async Task BadRow_InOneSource_StopsEverySourceAfterIt()
    {
        var endless = new EndlessStream();
        var bad = new MemoryStream("fine\t1\t1\t1\nbroken\t1\t1\n"u8.ToArray());
        var job = CountJob.Start(
            [DataSource.FromStream("bad", bad), DataSource.FromStream("endless", endless)],
            ReferenceEquivalenceTests.Pipeline(2, 64));

        var error = await Assert.ThrowsAsync<TallyDataException>(() => job.Result.WaitAsync(s_guard));

        Assert.Equal("bad:2: expected 4 TAB-separated columns, found 3", error.Message);
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(3, 16)]
    [InlineData(8, 100)]
    [InlineData(2, 1 << 20)]
    public async Task BadRow_LineNumber_IsExactForAnyBlockSize(int workers, int blockSize)
    {
        var rows = new StringBuilder();
        for (int i = 1; i < 777; i++)
        {
            rows.Append('w').Append(i % 13).Append("\t2000\t").Append(i).Append("\t1\n");
        }

        rows.Append("w1\t2000\t-5\t1\n");
        var source = DataSource.FromStream("data/x.gz", new MemoryStream(RandomNgrams.Gzip(Encoding.UTF8.GetBytes(rows.ToString()))));

        var error = await Assert.ThrowsAsync<TallyDataException>(() =>
            CountJob.Start([source], ReferenceEquivalenceTests.Pipeline(workers, blockSize)).Result);

        Assert.Equal("data/x.gz:777: column 3 (match_count): \"-5\" is not a non-negative integer", error.Message);
    }

    [Fact]
    public async Task TruncatedGzip_AtAnyOffset_IsAnErrorNamingTheFile_NeverAPartialResult()
    {
        // GZipStream alone returns a clean end for a cut stream; many cut points make sure some
        // fall where the inflated text ends exactly on a row boundary, which no parser can notice.
        var whole = RandomNgrams.Gzip(RandomNgrams.Rows(9, 3000));
        for (int cut = 1; cut < whole.Length; cut += 1 + (whole.Length / 60))
        {
            var truncated = whole.AsSpan(0, cut).ToArray();

            var error = await Assert.ThrowsAsync<TallyDataException>(() =>
                CountJob.Start([DataSource.FromStream("cut.gz", new MemoryStream(truncated))], ReferenceEquivalenceTests.Pipeline(2, 1024)).Result);

            // A one-byte cut is not recognisable as gzip and fails as a malformed row instead.
            Assert.StartsWith("cut.gz:", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TruncatedGzip_LosingOnlyTheTrailer_IsAnError()
    {
        var whole = RandomNgrams.Gzip(RandomNgrams.Rows(12, 500));
        var withoutTrailer = whole.AsSpan(0, whole.Length - 8).ToArray();

        var error = await Assert.ThrowsAsync<TallyDataException>(() =>
            CountJob.Start([DataSource.FromStream("cut.gz", new MemoryStream(withoutTrailer))], ReferenceEquivalenceTests.Pipeline(1, 1024)).Result);

        Assert.Contains("truncated gzip", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GzipFollowedByGarbage_IsAnError()
    {
        byte[] data = [.. RandomNgrams.Gzip("w\t1\t1\t1\n"u8.ToArray()), .. "not gzip"u8];

        var error = await Assert.ThrowsAsync<TallyDataException>(() =>
            CountJob.Start([DataSource.FromStream("tail.gz", new MemoryStream(data))], ReferenceEquivalenceTests.Pipeline(1, 1024)).Result);

        Assert.StartsWith("tail.gz: corrupt gzip data at compressed byte", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorruptGzip_IsAnErrorNamingTheFile()
    {
        var data = RandomNgrams.Gzip(RandomNgrams.Rows(10, 3000));
        for (int i = 100; i < 140; i++)
        {
            data[i] ^= 0x5A;
        }

        var error = await Assert.ThrowsAsync<TallyDataException>(() =>
            CountJob.Start([DataSource.FromStream("bad.gz", new MemoryStream(data))], ReferenceEquivalenceTests.Pipeline(2, 1024)).Result);

        Assert.StartsWith("bad.gz: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_InvalidOptions_Throws()
    {
        Assert.Equal("Workers", Assert.Throws<CountOptionsException>(() => CountJob.Start([], new CountOptions { Workers = 0 })).Option);
        Assert.Equal("BlockSize", Assert.Throws<CountOptionsException>(() => CountJob.Start([], new CountOptions { BlockSize = 1 })).Option);
    }

    /// <summary>Gives its data, then a read that never completes and ignores cancellation.</summary>
    private sealed class SilentStream(byte[] data) : ReadOnlyStream
    {
        private readonly TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<int> _never = new();
        private int _position;

        public Task Waiting => _waiting.Task;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position < data.Length)
            {
                int n = Math.Min(buffer.Length, data.Length - _position);
                data.AsSpan(_position, n).CopyTo(buffer.Span);
                _position += n;
                return ValueTask.FromResult(n);
            }

            _waiting.TrySetResult();
            return new ValueTask<int>(_never.Task);
        }

        public override int Read(Span<byte> buffer) => throw new NotSupportedException();
    }
}
