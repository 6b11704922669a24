using System.Collections.Concurrent;
using System.Diagnostics;
using Tally.Engine;
using Tally.Executors.Processes;
using Tally.Mapping;
using Tally.Sources;
using Tally.Testing;
using Tally.Tests.Support;
using Tally.Workers;

namespace Tally.Tests.Executors;

/// <summary>
/// The contract in worker processes (this test assembly run as a worker), and what only that
/// executor does: replace a crashed or killed worker and retry its source, give up naming the source,
/// never retry bad data, and refuse a worker that does not speak the protocol.
/// </summary>
public sealed class ProcessExecutorTests : ExecutorContractTests
{
    private readonly ConcurrentQueue<WorkerEvent> _events = new();

    protected override CountOptions Options(int workers, int blockSize) => Processes(workers, blockSize, TestWorker.Command());

    private CountOptions Processes(int workers, int blockSize, WorkerCommand command) => new()
    {
        Workers = workers,
        BlockSize = blockSize,
        MaxLineLength = Math.Max(blockSize, 1 << 16),
        Executor = new ProcessExecutor(command) { Events = _events.Enqueue },
    };

    /// <summary>Every worker that started has been stopped and reaped: no process is left behind.</summary>
    /// <remarks>Some contract tests read FIFOs, which are counted in the parent and start no worker at all.</remarks>
    protected override void AssertNothingLeftRunning()
    {
        var started = _events.Where(e => e.Kind == WorkerEventKind.Started).Select(e => e.ProcessId).ToHashSet();
        var stopped = _events.Where(e => e.Kind == WorkerEventKind.Stopped).Select(e => e.ProcessId).ToHashSet();
        Assert.Subset(stopped, started);
        foreach (int pid in started)
        {
            Assert.False(IsRunning(pid), $"worker process {pid} is still running");
        }
    }

    [Fact]
    public async Task WorkerCrashingOnItsFirstTask_IsReplaced_AndTheTotalsAreExact()
    {
        using var folder = new TempFolder();
        var (files, sources) = WriteSet(folder, 4);
        string marker = Path.Combine(folder.Path, "crashed");

        var result = await CountJob.Start(sources, Processes(2, 4096, TestWorker.Command("--crash-once", marker))).Result.WaitAsync(Guard);

        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));
        Assert.True(File.Exists(marker));
        Assert.Single(_events, e => e.Kind == WorkerEventKind.TaskSent && e.Attempt == 1);
        Assert.Equal(3, _events.Count(e => e.Kind == WorkerEventKind.Started));
        Assert.Equal(1, result.Sources.Sum(s => s.Retries));
        AssertNothingLeftRunning();
    }

    [Fact]
    public async Task WorkerKilledMidJob_IsReplaced_AndTheTotalsAreExact()
    {
        using var folder = new TempFolder();
        var (files, sources) = WriteSet(folder, 5);
        int killed = 0;
        var options = Processes(2, 256, TestWorker.Command()) with
        {
            Executor = new ProcessExecutor(TestWorker.Command())
            {
                Events = e =>
            {
                _events.Enqueue(e);
                // The first task sent is killed with its worker while the task runs (or, at the
                // latest, before the worker has read it).
                if (e.Kind == WorkerEventKind.TaskSent && Interlocked.Exchange(ref killed, 1) == 0)
                {
                    using var worker = Process.GetProcessById(e.ProcessId);
                    worker.Kill();
                }
            },
            },
        };

        var result = await CountJob.Start(sources, options).Result.WaitAsync(Guard);

        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));
        Assert.Equal(5, result.Sources.Count);
        Assert.Contains(_events, e => e.Kind == WorkerEventKind.TaskSent && e.Attempt == 1);
        Assert.Equal(1, result.Sources.Sum(s => s.Retries));
        AssertNothingLeftRunning();
    }

    [Fact]
    public async Task WorkerCrashingEveryTime_FailsTheJob_NamingTheSource_AfterTwoRetries()
    {
        using var folder = new TempFolder();
        var (_, sources) = WriteSet(folder, 1);

        var error = await Assert.ThrowsAsync<TallyWorkerException>(() =>
            CountJob.Start(sources, Processes(1, 4096, TestWorker.Command("--crash-always"))).Result.WaitAsync(Guard));

        Assert.Equal(sources[0].Name, error.Source);
        Assert.StartsWith($"{sources[0].Name}: gave up after 3 worker processes failed on it; the last worker process ", error.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code 70 during the task", error.Message, StringComparison.Ordinal);
        Assert.Equal([0, 1, 2], _events.Where(e => e.Kind == WorkerEventKind.TaskSent).Select(e => e.Attempt));
        AssertNothingLeftRunning();
    }

    [Fact]
    public async Task MapStepPrintingToStdout_IsACrash_ExplainedAsSuch()
    {
        using var folder = new TempFolder();
        var (_, sources) = WriteSet(folder, 1);

        var error = await Assert.ThrowsAsync<TallyWorkerException>(() =>
            CountJob.Start(sources, Processes(1, 4096, TestWorker.Command("--print-to-stdout"))).Result.WaitAsync(Guard));

        Assert.Contains("wrote something to stdout that is not the protocol", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, _events.Count(e => e.Kind == WorkerEventKind.TaskSent));
        AssertNothingLeftRunning();
    }

    [Fact]
    public async Task BadRow_IsNotRetried()
    {
        using var folder = new TempFolder();
        string bad = folder.Write("bad", "ok\t1\t1\t1\nok\t2\t-5\t1\n"u8.ToArray());

        var error = await Assert.ThrowsAsync<TallyDataException>(() =>
            CountJob.Start([DataSource.FromFile(bad)], Processes(1, 64, TestWorker.Command())).Result.WaitAsync(Guard));

        Assert.Equal($"{bad}:2: column 3 (match_count): \"-5\" is not a non-negative integer", error.Message);
        Assert.Single(_events, e => e.Kind == WorkerEventKind.TaskSent);
        AssertNothingLeftRunning();
    }

    [Fact]
    public async Task MapStepThatThrows_FailsTheJob_WithoutRetry()
    {
        using var folder = new TempFolder();
        var (_, sources) = WriteSet(folder, 1);
        var options = Processes(1, 4096, TestWorker.Command()) with { MapStep = new ThrowingStep() };

        var error = await Assert.ThrowsAsync<TallyWorkerException>(() => CountJob.Start(sources, options).Result.WaitAsync(Guard));

        Assert.Equal($"{sources[0].Name}: map step \"throwing\" failed in a worker process: InvalidOperationException: the step has a bug", error.Message);
        Assert.Single(_events, e => e.Kind == WorkerEventKind.TaskSent);
        AssertNothingLeftRunning();
    }

    [Fact]
    public async Task MapStepTheWorkerDoesNotHave_FailsAtTheHandshake()
    {
        using var folder = new TempFolder();
        var (_, sources) = WriteSet(folder, 1);
        var options = Processes(1, 4096, TestWorker.Command()) with { MapStep = new UnknownStep("unknown") };

        var error = await Assert.ThrowsAsync<TallyWorkerException>(() => CountJob.Start(sources, options).Result.WaitAsync(Guard));

        Assert.EndsWith("has no map step \"unknown\" (it has: auto, line-count, ngram-v2, ngram-v3, series, throwing, tsv, word-count, words)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_events, e => e.Kind == WorkerEventKind.TaskSent);
        AssertNothingLeftRunning();
    }

    [Fact]
    public async Task CommandThatIsNotAWorker_IsRefused_WithoutRetry()
    {
        using var folder = new TempFolder();
        var (_, sources) = WriteSet(folder, 1);

        // cat echoes the parent's hello back: bytes, but not the answer.
        var error = await Assert.ThrowsAsync<TallyWorkerException>(() =>
            CountJob.Start(sources, Processes(1, 4096, new WorkerCommand("cat", []))).Result.WaitAsync(Guard));

        Assert.StartsWith("'cat' is not a Tally worker", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandThatCannotStart_FailsTheJob()
    {
        using var folder = new TempFolder();
        var (_, sources) = WriteSet(folder, 1);

        var error = await Assert.ThrowsAsync<TallyWorkerException>(() =>
            CountJob.Start(sources, Processes(1, 4096, new WorkerCommand("/nonexistent/tally-worker", []))).Result.WaitAsync(Guard));

        Assert.StartsWith("cannot start worker '/nonexistent/tally-worker'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProcessExecutor_WithoutAWorkerCommand_Throws()
    {
        var error = Assert.Throws<ArgumentNullException>(() => new ProcessExecutor(null!));

        Assert.Equal("command", error.ParamName);
    }

    [Fact]
    public async Task OnlyStandardInput_StartsNoWorker()
    {
        var rows = RandomNgrams.Rows(seed: 5, ngrams: 50);

        var result = await CountJob.Start([DataSource.FromStream(InputResolver.StandardInputName, new MemoryStream(rows))], Options(2, 64)).Result.WaitAsync(Guard);

        Assert.Equal(ReferenceCount.Count([rows]), ReferenceCount.FromResult(result));
        Assert.Empty(_events);
    }

    [Fact]
    public async Task AFifoAmongFiles_IsCountedInTheParent_NeverSentToAWorker()
    {
        // A FIFO can be read once: a worker that died while reading it could only be retried on
        // the rest of the stream, so it is never handed to one.
        using var folder = new TempFolder();
        var (files, sources) = WriteSet(folder, 2);
        var piped = RandomNgrams.Rows(seed: 77, ngrams: 300);
        using var fifo = Fifo.Gated(Path.Combine(folder.Path, "piped"), piped, Task.CompletedTask, []);

        var result = await CountJob.Start([.. sources, DataSource.FromFile(fifo.Path)], Options(2, 64)).Result.WaitAsync(Guard);

        Assert.Equal(ReferenceCount.Count([.. files, piped]), ReferenceCount.FromResult(result));
        Assert.DoesNotContain(_events, e => e.Kind == WorkerEventKind.TaskSent && e.Source == fifo.Path);
        Assert.Equal(2, _events.Count(e => e.Kind == WorkerEventKind.TaskSent));
        AssertNothingLeftRunning();
    }

    private static (byte[][] Files, DataSource[] Sources) WriteSet(TempFolder folder, int count)
    {
        var files = Enumerable.Range(0, count).Select(i => RandomNgrams.Rows(seed: 500 + i, ngrams: 2000)).ToArray();
        var sources = files.Select((f, i) => DataSource.FromFile(folder.Write($"set{i}.gz", RandomNgrams.Gzip(f)))).ToArray();
        return (files, sources);
    }

    private static bool IsRunning(int pid)
    {
        // A reaped process has no /proc entry; a recycled pid would run another program.
        string cmdline = Path.Combine("/proc", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "cmdline");
        try
        {
            return File.ReadAllText(cmdline).Contains("Tally.Tests.dll", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private sealed class UnknownStep(string name) : MapStep(name)
    {
        public override long Map(ReadOnlySpan<byte> block, Aggregation.CountTable table, in MapContext context) => throw new InvalidOperationException("never called");
    }
}
