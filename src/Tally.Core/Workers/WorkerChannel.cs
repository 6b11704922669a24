using Tally.Aggregation;
using Tally.Serialization;

namespace Tally.Workers;

/// <summary>The worker is gone or broke the protocol mid-session: the task may be retried in a fresh worker.</summary>
internal sealed class WorkerCrashException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A task's outcome as the parent receives it: the partial table and the final figures.</summary>
internal sealed record TaskResult(CountTable Table, TaskFigures Figures);

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

    /// <summary>Sends <paramref name="task"/> and receives its result, reporting progress on the way.</summary>
    /// <param name="task">The task.</param>
    /// <param name="progress">Told the figures of every progress frame.</param>
    /// <param name="isFinished">Whether a task id already has its result (a late frame of it is dropped).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="WorkerCrashException">The worker ended, or sent something that is not a valid answer.</exception>
    /// <exception cref="TallyDataException">The source holds bad data (not retried).</exception>
    /// <exception cref="TallyInputException">The source cannot be read (not retried).</exception>
    /// <exception cref="TallyWorkerException">The map step failed or is unknown to the worker (not retried).</exception>
    public async Task<TaskResult> RunAsync(TaskFrame task, Action<TaskFigures> progress, Func<long, bool> isFinished, CancellationToken cancellationToken)
    {
        await SendAsync(task.Write(_frames), cancellationToken).ConfigureAwait(false);
        using var table = new MemoryStream();
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
                        progress(TaskFigures.Read(frame.Payload.Span));
                        break;
                    case FrameType.TableChunk:
                        var payload = new PayloadReader(frame.Payload.Span, WorkerProtocol.Subject);
                        payload.Varint();
                        table.Write(payload.Rest());
                        break;
                    case FrameType.Done:
                        var figures = TaskFigures.Read(frame.Payload.Span);
                        return new TaskResult(CountTableFormat.Read(table.GetBuffer().AsSpan(0, (int)table.Length)), figures);
                    case FrameType.Failed:
                        throw TaskFailed.Read(frame.Payload.Span).ToException(task.MapStep);
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
