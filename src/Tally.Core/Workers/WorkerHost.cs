using Tally.Execution;
using Tally.Mapping;
using Tally.Parsing;
using Tally.Serialization;
using Tally.Sources;

namespace Tally.Workers;

/// <summary>
/// Worker mode: serves count tasks from a parent over a pair of streams (a worker process's stdin
/// and stdout), running the map steps of a <see cref="MapStepRegistry"/>. <c>tally worker</c> is
/// this with the built-in steps; call it from your own program to serve steps of your own.
/// </summary>
/// <remarks>
/// <para>
/// The parent sends a hello, then one task at a time: a file, a map step name, a block size. The
/// worker reads and parses the file itself on one thread (the parent runs one worker per core),
/// reports progress after every block, and streams back the file's partial table in
/// <see cref="CountTableCodec"/>, or the error. A malformed row comes back as a data error with
/// its <c>path:line</c>, exactly as the thread executor reports it.
/// </para>
/// <para>
/// Nothing else may write to <c>output</c>: in a worker process, keep logging on stderr.
/// The worker stops when the parent closes <c>input</c>, also in the middle of a task, so a worker
/// whose parent died exits instead of counting on.
/// </para>
/// </remarks>
public static class WorkerHost
{
    /// <summary>The protocol version this library speaks; a parent and its workers must speak the same one.</summary>
    public const int ProtocolVersion = WorkerProtocol.Version;

    /// <summary>Serves tasks from <paramref name="input"/> until it ends.</summary>
    /// <param name="input">Frames from the parent (the worker process's stdin).</param>
    /// <param name="output">Frames to the parent (the worker process's stdout).</param>
    /// <param name="registry">The map steps this worker can run, by name.</param>
    /// <param name="cancellationToken">Stops serving; the running task is abandoned.</param>
    /// <returns>The exit code for the worker process: 0 when the parent closed the input, 2 when it broke the protocol.</returns>
    public static async Task<int> RunAsync(Stream input, Stream output, MapStepRegistry registry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(registry);

        var reader = new FrameReader(input);
        var frames = new FrameBuilder();
        try
        {
            var hello = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (hello is not { } first)
            {
                return 0;
            }

            if (Refusal(first) is { } refusal)
            {
                await SendAsync(output, SimpleFrames.Error(frames, refusal), cancellationToken).ConfigureAwait(false);
                return 2;
            }

            var reply = new HelloReply(Environment.ProcessId, registry.Names);
            await SendAsync(output, reply.Write(frames), cancellationToken).ConfigureAwait(false);

            // One read is always pending, also while a task runs: the parent sends nothing during a
            // task, so the only thing that can arrive then is the end of the input (the parent closed
            // it or died). That stops the task at once rather than counting a file nobody will read.
            var pending = reader.ReadAsync(cancellationToken).AsTask();
            while (await pending.ConfigureAwait(false) is { } frame)
            {
                if (frame.Type != FrameType.Task)
                {
                    await SendAsync(output, SimpleFrames.Error(frames, $"expected a task frame, got frame type {(byte)frame.Type}"), cancellationToken).ConfigureAwait(false);
                    return 2;
                }

                // Parsed before the next read, which reuses the payload buffer.
                var task = TaskFrame.Read(frame.Payload.Span);
                pending = reader.ReadAsync(cancellationToken).AsTask();
                if (!await ServeAsync(task, pending, output, frames, registry, cancellationToken).ConfigureAwait(false))
                {
                    return 0;
                }
            }

            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            // The parent's side of the stream is not the protocol; say why once, on the way out.
            await TrySendAsync(output, SimpleFrames.Error(frames, e.Message)).ConfigureAwait(false);
            return 2;
        }
    }

    /// <summary>Why the first frame is not an acceptable hello, or null when it is.</summary>
    private static string? Refusal(Frame first)
    {
        if (first.Type != FrameType.Hello)
        {
            return $"expected a hello frame, got frame type {(byte)first.Type}";
        }

        var payload = new PayloadReader(first.Payload.Span, WorkerProtocol.Subject);
        int version = HelloFrame.ReadVersion(ref payload);
        return version == WorkerProtocol.Version
            ? null
            : $"protocol version {version} is not supported: this worker speaks version {WorkerProtocol.Version}";
    }

    /// <summary>Runs one task; false when the input ended meanwhile, so the task was abandoned.</summary>
    /// <remarks>
    /// A frame that arrives while the task runs is not a reason to stop: the parent may send the
    /// next task as soon as it has read this one's result, a moment before the task returns here.
    /// </remarks>
    private static async Task<bool> ServeAsync(TaskFrame task, Task<Frame?> next, Stream output, FrameBuilder frames, MapStepRegistry registry, CancellationToken cancellationToken)
    {
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var work = Task.Run(() => CountAsync(task, output, frames, registry, abandon.Token), CancellationToken.None);
        if (await Task.WhenAny(work, next).ConfigureAwait(false) == next && !work.IsCompleted
            && !(next.IsCompletedSuccessfully && next.Result is not null))
        {
            await abandon.CancelAsync().ConfigureAwait(false);
            try
            {
                await work.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Abandoned: the parent is gone, so there is nobody to tell.
            }

            // Rethrows a broken stream; a clean end of the input is the parent closing it.
            await next.ConfigureAwait(false);
            return false;
        }

        await work.ConfigureAwait(false);
        return true;
    }

    private static async Task CountAsync(TaskFrame task, Stream output, FrameBuilder frames, MapStepRegistry registry, CancellationToken cancellationToken)
    {
        TaskFailed failed;
        try
        {
            if (!registry.TryCreate(task.MapStep, task.MapArguments, out var step))
            {
                throw new InvalidOperationException($"this worker has no map step \"{task.MapStep}\"");
            }

            var settings = new TaskSettings(step, task.BlockSize, task.MaxLineLength, task.MalformedRows, task.BrokenSources);
            var source = InputResolver.Default.OpenAddress(task.Address, task.Name);

            // Skipped rows go to the parent as they are found, so a file full of bad rows takes no
            // memory here; the parent keeps the examples and writes the rejects file.
            var rejects = task.MalformedRows == MalformedRowPolicy.Skip
                ? new RejectSink(keep: 0, (line, reason, text) => Send(output, RejectedFrame.Write(frames, task.TaskId, line, reason, text)))
                : null;
            var count = await SourceCounter.CountAsync(source, settings, rejects,
                figures => Send(output, new TaskFigures(task.TaskId, figures).Write(frames, FrameType.Progress)), cancellationToken).ConfigureAwait(false);
            if (count.Error is { } error)
            {
                failed = TaskFailed.From(task.TaskId, task.Name, error, count.IsBroken);
            }
            else
            {
                using (var chunks = new TableChunkStream(output, frames, task.TaskId))
                {
                    CountTableCodec.Write(count.Table, chunks);
                }

                if (count.Format is { } format)
                {
                    Send(output, SimpleFrames.Format(frames, task.TaskId, format));
                }

                Send(output, new TaskFigures(task.TaskId, count.Figures).Write(frames, FrameType.Done));
                return;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not IOException)
        {
            // An unknown map step, an address that cannot be opened, a map step's own failure: all
            // deterministic, so report them rather than crash, and the parent fails the source with
            // the reason instead of retrying it.
            failed = TaskFailed.From(task.TaskId, task.Name, e, broken: e is TallyInputException);
        }

        Send(output, failed.Write(frames));
    }

    private static void Send(Stream output, ReadOnlyMemory<byte> frame)
    {
        output.Write(frame.Span);
        output.Flush();
    }

    private static async Task SendAsync(Stream output, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        await output.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task TrySendAsync(Stream output, ReadOnlyMemory<byte> frame)
    {
        try
        {
            await SendAsync(output, frame, CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The parent is gone; the exit code says the rest.
        }
    }
}
