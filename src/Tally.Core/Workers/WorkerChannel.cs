using Tally.Execution;
using Tally.Parsing;
using Tally.Serialization;

namespace Tally.Workers;

/// <summary>The worker is gone or broke the protocol mid-session: the task may be retried in a fresh worker.</summary>
internal sealed class WorkerCrashException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The parent's end of the protocol with one worker, over the worker's stdin and stdout.</summary>
/// <remarks>
/// One task at a time, so frames need no routing: everything between sending a task and its
/// result belongs to it, except a late frame of a task already finished, which is dropped (task
/// ids make a duplicate result harmless). Not thread-safe: one slot of the executor owns it.
/// </remarks>
internal sealed class WorkerChannel(Stream toWorker, Stream fromWorker)
{
    private readonly FrameReader _reader = new(fromWorker);
    private readonly FrameBuilder _frames = new();

    /// <summary>Says hello and reads the reply.</summary>
    /// <exception cref="WorkerCrashException">The worker ended before answering.</exception>
    /// <exception cref="TallyWorkerException">It answered, but is not a Tally worker or speaks another version: retrying would not help.</exception>
    public async Task<HelloReply> HandshakeAsync(string command, CancellationToken cancellationToken)
    {
        await SendAsync(HelloFrame.Write(_frames), cancellationToken).ConfigureAwait(false);
        try
        {
            Frame? answer;
            try
            {
                answer = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new WorkerCrashException($"the worker's output broke off during the handshake: {e.Message}", e);
            }

            var frame = answer ?? throw new WorkerCrashException("the worker process ended before the handshake");
            if (frame.Type == FrameType.Error)
            {
                throw new TallyWorkerException(null, $"worker '{command}' refused the session: {SimpleFrames.ReadError(frame.Payload.Span)}");
            }

            if (frame.Type != FrameType.HelloReply)
            {
                throw new InvalidDataException($"frame type {(byte)frame.Type}");
            }

            var payload = new PayloadReader(frame.Payload.Span, WorkerProtocol.Subject);
            int version = HelloFrame.ReadVersion(ref payload);
            if (version != WorkerProtocol.Version)
            {
                throw new TallyWorkerException(null, $"worker '{command}' speaks protocol version {version}, this program version {WorkerProtocol.Version}");
            }

            return HelloReply.ReadRest(ref payload);
        }
        catch (InvalidDataException e)
        {
            throw new TallyWorkerException(null, $"'{command}' is not a Tally worker: its answer to the handshake is not the protocol ({e.Message})", e);
        }
    }

    /// <summary>Runs one task on the worker: sends it, then reads its progress, skipped rows and result.</summary>
    /// <param name="task">The task.</param>
    /// <param name="progress">Receives the figures the worker reports.</param>
    /// <param name="isFinished">Whether a task id's result was already accepted: a late duplicate of it is dropped.</param>
    /// <param name="rejects">Where the task's skipped rows go, in skip mode; null otherwise.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The task's outcome: its table, or the error the worker reported (a malformed row, a broken or unreadable source, a failing map step).</returns>
    /// <exception cref="WorkerCrashException">The worker died, broke off, or sent what is not a valid answer: retry on another worker.</exception>
    public async Task<SourceOutcome> RunAsync(TaskFrame task, Action<SourceFigures> progress, Func<long, bool> isFinished, RejectSink? rejects, CancellationToken cancellationToken)
    {
        await SendAsync(task.Write(_frames), cancellationToken).ConfigureAwait(false);
        using var table = new MemoryStream();
        string? format = null;
        while (true)
        {
            var frame = await ReceiveAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new WorkerCrashException("the worker process ended in the middle of the task");
            try
            {
                if (frame.Type == FrameType.Error)
                {
                    throw new WorkerCrashException($"the worker broke off the session: {SimpleFrames.ReadError(frame.Payload.Span)}");
                }

                long id = SimpleFrames.ReadTaskId(frame.Payload.Span);
                if (id != task.TaskId)
                {
                    if (isFinished(id))
                    {
                        continue;
                    }

                    throw new InvalidDataException($"a frame for task {id}, which is not running");
                }

                switch (frame.Type)
                {
                    case FrameType.Progress:
                        progress(TaskFigures.Read(frame.Payload.Span).Figures);
                        break;
                    case FrameType.Rejected:
                        RejectedFrame.AddTo(frame.Payload.Span, rejects ?? throw new InvalidDataException("a skipped row, and rows are not skipped"));
                        break;
                    case FrameType.TableChunk:
                        var payload = new PayloadReader(frame.Payload.Span, WorkerProtocol.Subject);
                        payload.Varint();
                        table.Write(payload.Rest());
                        break;
                    case FrameType.Format:
                        format = SimpleFrames.ReadFormat(frame.Payload.Span);
                        break;
                    case FrameType.Done:
                        progress(TaskFigures.Read(frame.Payload.Span).Figures);
                        var counted = CountTableCodec.Read(table.GetBuffer().AsSpan(0, (int)table.Length));
                        return SourceOutcome.Counted([counted], rejects is null ? null : [rejects], format);
                    case FrameType.Failed:
                        var failed = TaskFailed.Read(frame.Payload.Span);
                        return SourceOutcome.Failed(failed.ToException(task.MapStep), failed.IsBroken);
                    default:
                        throw new InvalidDataException($"unexpected frame type {(byte)frame.Type}");
                }
            }
            catch (InvalidDataException e)
            {
                throw new WorkerCrashException($"the worker sent data that is not a valid answer: {e.Message}", e);
            }
        }
    }

    private async Task SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        try
        {
            await toWorker.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            await toWorker.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new WorkerCrashException($"the worker process stopped reading: {e.Message}", e);
        }
    }

    private async Task<Frame?> ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            // EndOfStreamException is an IOException: the worker died in the middle of a frame.
            throw new WorkerCrashException($"the worker's output broke off: {e.Message}", e);
        }
    }
}
