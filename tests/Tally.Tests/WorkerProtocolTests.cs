using System.Buffers.Binary;
using System.IO.Pipes;
using Tally.Aggregation;
using Tally.Execution;
using Tally.Formats.NgramV2;
using Tally.Mapping;
using Tally.Serialization;
using Tally.Testing;
using Tally.Workers;

namespace Tally.Tests;

/// <summary>The worker protocol in-process: <see cref="WorkerHost"/> on one end of a pair of pipes, <see cref="WorkerChannel"/> on the other.</summary>
public sealed class WorkerProtocolTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Handshake_AnswersWithTheVersionAndTheRegisteredSteps()
    {
        await using var session = new Session(MapStepRegistry.WithBuiltIns().Add(new WordCountStep()));

        var hello = await session.Channel.HandshakeAsync("test", CancellationToken.None).WaitAsync(s_guard);

        Assert.Equal(["auto", "ngram-v2", "ngram-v3", "series", "tsv", "word-count", "words"], hello.MapSteps);
        Assert.Equal(Environment.ProcessId, hello.ProcessId);
        Assert.Equal(0, await session.EndAsync());
    }

    [Fact]
    public async Task Task_SendsProgressAndTheTableInChunks_EqualToTheReference()
    {
        using var folder = new TempFolder();
        var rows = RandomNgrams.Rows(seed: 21, ngrams: 3000);
        string path = folder.Write("rows.gz", RandomNgrams.Gzip(rows));
        await using var session = new Session(MapStepRegistry.WithBuiltIns());
        await session.Channel.HandshakeAsync("test", CancellationToken.None);
        var progress = new List<SourceFigures>();

        var result = await session.Channel.RunAsync(Frame(7, path, "rows.gz", 512),
            progress.Add, _ => false, null, CancellationToken.None).WaitAsync(s_guard);

        Assert.Null(result.Error);
        Assert.Equal(ReferenceCount.Count([rows]), Totals(Assert.Single(result.Tables)));
        Assert.Equal(new SourceFigures(new FileInfo(path).Length, rows.Length, rows.AsSpan().Count((byte)'\n'), true), progress[^1]);
        Assert.True(progress.Count > 10);
        Assert.Equal(0, await session.EndAsync());
    }

    [Fact]
    public async Task Task_WithABadRow_FailsWithTheSameMessageAsInProcess()
    {
        using var folder = new TempFolder();
        string path = folder.Write("bad.tsv", "a\t1\t1\t1\na\t1\t1\n"u8.ToArray());
        await using var session = new Session(MapStepRegistry.WithBuiltIns());
        await session.Channel.HandshakeAsync("test", CancellationToken.None);

        var failed = await session.Channel.RunAsync(Frame(0, path, "data/bad.tsv", 64), _ => { }, _ => false, null, CancellationToken.None).WaitAsync(s_guard);

        var error = Assert.IsType<TallyDataException>(failed.Error);
        Assert.Equal("data/bad.tsv:2: expected 4 TAB-separated columns, found 3", error.Message);
        Assert.False(failed.IsBroken);

        // The worker survives a bad task and serves the next.
        string good = folder.Write("good.tsv", "b\t1\t5\t1\n"u8.ToArray());
        var result = await session.Channel.RunAsync(Frame(1, good, "good.tsv", 64), _ => { }, _ => false, null, CancellationToken.None);
        Assert.Equal(5, result.Tables[0].Get("b"u8));
    }

    [Fact]
    public async Task InputClosedMidTask_StopsTheWorkerPromptly()
    {
        using var folder = new TempFolder();
        using var endless = Fifo.Endless(Path.Combine(folder.Path, "endless"));
        await using var session = new Session(MapStepRegistry.WithBuiltIns());
        await session.Channel.HandshakeAsync("test", CancellationToken.None);
        var progressed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = session.Channel.RunAsync(Frame(0, endless.Path, "endless", 64),
            _ => progressed.TrySetResult(), _ => false, null, CancellationToken.None);
        await progressed.Task.WaitAsync(s_guard);

        // The parent died: its end of the worker's stdin closes.
        Assert.Equal(0, await session.EndAsync());
        await Assert.ThrowsAsync<WorkerCrashException>(() => running.WaitAsync(s_guard));
    }

    [Fact]
    public async Task HelloOfAnotherVersion_IsRefusedWithAnError()
    {
        await using var session = new Session(MapStepRegistry.WithBuiltIns());
        byte[] hello = [(byte)FrameType.Hello, 0, 0, 0, 0, .. "TLYW"u8, 99];
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(1), (uint)(hello.Length - 5));

        await session.ToWorker.WriteAsync(hello);
        await session.ToWorker.FlushAsync();
        var frame = await new FrameReader(session.FromWorker).ReadAsync(CancellationToken.None).AsTask().WaitAsync(s_guard);

        Assert.Equal(FrameType.Error, frame!.Value.Type);
        Assert.Equal($"protocol version 99 is not supported: this worker speaks version {WorkerProtocol.Version}", SimpleFrames.ReadError(frame.Value.Payload.Span));
        Assert.Equal(2, await session.EndAsync());
    }

    [Fact]
    public async Task InputThatIsNotTheProtocol_EndsTheWorkerWithCodeTwo()
    {
        await using var session = new Session(MapStepRegistry.WithBuiltIns());

        await session.ToWorker.WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());

        Assert.Equal(2, await session.EndAsync());
    }

    [Fact]
    public async Task DuplicateResultOfAFinishedTask_IsIgnored()
    {
        // A scripted worker: task 0's result, then task 0's result again, then task 1's.
        var frames = new FrameBuilder();
        var script = new MemoryStream();
        script.Write(new HelloReply(1, ["ngram-v2"]).Write(frames).Span);
        WriteResult(script, frames, 0, "zero"u8, 5);
        WriteResult(script, frames, 0, "zero"u8, 5);
        WriteResult(script, frames, 1, "one"u8, 7);
        script.Position = 0;
        var channel = new WorkerChannel(Stream.Null, script);
        await channel.HandshakeAsync("script", CancellationToken.None);
        var finished = new HashSet<long>();

        var zero = await channel.RunAsync(Task(0), _ => { }, finished.Contains, null, CancellationToken.None);
        finished.Add(0);
        var one = await channel.RunAsync(Task(1), _ => { }, finished.Contains, null, CancellationToken.None);

        Assert.Equal(5, zero.Tables[0].Get("zero"u8));
        Assert.Equal(7, one.Tables[0].Get("one"u8));
        Assert.Equal(0, one.Tables[0].Get("zero"u8));
    }

    [Fact]
    public async Task ResultOfATaskNeverSent_IsACrash()
    {
        var frames = new FrameBuilder();
        var script = new MemoryStream();
        script.Write(new HelloReply(1, ["ngram-v2"]).Write(frames).Span);
        WriteResult(script, frames, 5, "five"u8, 5);
        script.Position = 0;
        var channel = new WorkerChannel(Stream.Null, script);
        await channel.HandshakeAsync("script", CancellationToken.None);

        await Assert.ThrowsAsync<WorkerCrashException>(() => channel.RunAsync(Task(0), _ => { }, _ => false, null, CancellationToken.None));
    }

    [Fact]
    public async Task DamagedTable_IsACrash_SoTheTaskIsRetried()
    {
        var frames = new FrameBuilder();
        var script = new MemoryStream();
        script.Write(new HelloReply(1, ["ngram-v2"]).Write(frames).Span);
        var table = new CountTable();
        table.Add("k"u8, 1);
        var bytes = new MemoryStream();
        CountTableCodec.Write(table, bytes);
        var damaged = bytes.ToArray();
        damaged[^1] ^= 1;
        script.Write(SimpleFrames.TableChunk(frames, 0, damaged).Span);
        script.Write(new TaskFigures(0, 1, 1, 1, false).Write(frames, FrameType.Done).Span);
        script.Position = 0;
        var channel = new WorkerChannel(Stream.Null, script);
        await channel.HandshakeAsync("script", CancellationToken.None);

        var crash = await Assert.ThrowsAsync<WorkerCrashException>(() => channel.RunAsync(Task(0), _ => { }, _ => false, null, CancellationToken.None));

        Assert.Contains("checksum", crash.Message, StringComparison.Ordinal);
    }

    private static TaskFrame Task(long id) => Frame(id, "/data", "data", 64);

    private static TaskFrame Frame(long id, string path, string name, int blockSize)
        => new(id, path, name, NgramV2MapStep.StepName, "", blockSize, 1 << 16, MalformedRowPolicy.Fail, BrokenSourcePolicy.Fail);

    private static void WriteResult(Stream script, FrameBuilder frames, long taskId, ReadOnlySpan<byte> key, long total)
    {
        var table = new CountTable();
        table.Add(key, total);
        var bytes = new MemoryStream();
        CountTableCodec.Write(table, bytes);
        script.Write(SimpleFrames.TableChunk(frames, taskId, bytes.ToArray()).Span);
        script.Write(new TaskFigures(taskId, 10, 10, 1, false).Write(frames, FrameType.Done).Span);
    }

    private static Dictionary<string, long> Totals(CountTable table)
    {
        return table.Entries().ToDictionary(e => System.Text.Encoding.Latin1.GetString(e.Utf8.Span), e => e.Total, StringComparer.Ordinal);
    }

    /// <summary>A worker host served over two anonymous pipes, as a worker process's stdin and stdout are.</summary>
    private sealed class Session : IAsyncDisposable
    {
        private readonly AnonymousPipeServerStream _toWorker = new(PipeDirection.Out);
        private readonly AnonymousPipeServerStream _fromWorker = new(PipeDirection.In);
        private readonly AnonymousPipeClientStream _workerInput;
        private readonly AnonymousPipeClientStream _workerOutput;
        private readonly Task<int> _host;

        public Session(MapStepRegistry registry)
        {
            _workerInput = new AnonymousPipeClientStream(PipeDirection.In, _toWorker.ClientSafePipeHandle);
            _workerOutput = new AnonymousPipeClientStream(PipeDirection.Out, _fromWorker.ClientSafePipeHandle);
            _host = System.Threading.Tasks.Task.Run(() => WorkerHost.RunAsync(_workerInput, _workerOutput, registry));
            Channel = new WorkerChannel(_toWorker, _fromWorker);
        }

        public WorkerChannel Channel { get; }

        public Stream ToWorker => _toWorker;

        public Stream FromWorker => _fromWorker;

        /// <summary>Closes the worker's input, as a parent does, and returns the host's exit code.</summary>
        public async Task<int> EndAsync()
        {
            await _toWorker.DisposeAsync();
            int code = await _host.WaitAsync(s_guard);
            await _workerOutput.DisposeAsync();
            return code;
        }

        public async ValueTask DisposeAsync()
        {
            await _toWorker.DisposeAsync();
            try
            {
                await _host.WaitAsync(s_guard);
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
            }

            await _workerOutput.DisposeAsync();
            await _workerInput.DisposeAsync();
            await _fromWorker.DisposeAsync();
        }
    }
}
