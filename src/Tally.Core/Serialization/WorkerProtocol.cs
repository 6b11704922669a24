namespace Tally.Serialization;

/// <summary>The kinds of frame; the high bit marks frames a worker sends.</summary>
internal enum FrameType : byte
{
    /// <summary>Parent to worker, first frame: magic and protocol version.</summary>
    Hello = 0x01,

    /// <summary>Parent to worker: count one source.</summary>
    Task = 0x02,

    /// <summary>Worker to parent, answer to <see cref="Hello"/>: magic, version, process id, map step names.</summary>
    HelloReply = 0x81,

    /// <summary>Worker to parent: figures so far for the running task.</summary>
    Progress = 0x82,

    /// <summary>Worker to parent: the next piece of the task's table in <see cref="CountTableCodec"/>.</summary>
    TableChunk = 0x83,

    /// <summary>Worker to parent: the task's table is complete; final figures.</summary>
    Done = 0x84,

    /// <summary>Worker to parent: the task failed (bad data, unreadable input, or a map step error).</summary>
    Failed = 0x85,

    /// <summary>Worker to parent: the worker refuses the session (wrong version, unexpected frame) and exits.</summary>
    Error = 0x86,

    /// <summary>Worker to parent: a malformed row the task skipped (skip mode only), as it was found.</summary>
    Rejected = 0x87,

    /// <summary>Worker to parent, before <see cref="Done"/>: the identity of the step the source was counted with (the format <c>auto</c> chose).</summary>
    Format = 0x88,
}

/// <summary>How a task failed; decides what the parent throws and whether it retries.</summary>
internal enum TaskFailure : byte
{
    /// <summary>A malformed row or a corrupt file: <see cref="TallyDataException"/>, never retried.</summary>
    Data = 1,

    /// <summary>The input cannot be opened or read: <see cref="TallyInputException"/>, never retried.</summary>
    Input = 2,

    /// <summary>The map step threw something else, or is unknown: <see cref="TallyWorkerException"/>, never retried.</summary>
    Other = 3,
}

/// <summary>
/// The framed binary protocol between a parent and its worker processes over the worker's stdin
/// and stdout. See docs/design.md, "Worker protocol".
/// </summary>
/// <remarks>
/// A frame is a type byte, the payload length (4 bytes, little endian) and the payload. Payloads
/// are written with <see cref="PayloadWriter"/> and read with <see cref="PayloadReader"/>, so they use
/// the <see cref="WireCodec"/> encodings: unsigned LEB128 varints, strings a varint byte length and UTF-8. Both hello
/// frames start with <see cref="Magic"/> and the version in every protocol version, so either side
/// can refuse a peer of another version before reading anything else.
/// </remarks>
internal static class WorkerProtocol
{
    /// <summary>Bumped whenever a frame's layout or meaning changes; both sides must speak the same one.</summary>
    public const int Version = 3;

    public const int HeaderLength = 5;

    public static ReadOnlySpan<byte> Magic => "TLYW"u8;

    /// <summary>What a frame's payload is called in the <see cref="PayloadReader"/>'s messages.</summary>
    public const string Subject = "a worker protocol frame";
}

/// <summary>A frame just read; <see cref="Payload"/> is valid until the next read.</summary>
internal readonly record struct Frame(FrameType Type, ReadOnlyMemory<byte> Payload);

/// <summary>Parent to worker, first frame.</summary>
internal static class HelloFrame
{
    public static ReadOnlyMemory<byte> Write(FrameBuilder frames)
        => frames.Start(FrameType.Hello).Bytes(WorkerProtocol.Magic).Varint(WorkerProtocol.Version).Finish();

    /// <summary>The version the peer speaks, once the magic is checked; a Tally peer of any version gets this far.</summary>
    public static int ReadVersion(ref PayloadReader payload)
    {
        if (!payload.Bytes(WorkerProtocol.Magic.Length).SequenceEqual(WorkerProtocol.Magic))
        {
            throw new InvalidDataException("the hello frame does not start with the protocol's magic bytes");
        }

        return payload.Int32();
    }
}

/// <summary>Worker to parent, answer to the hello: who it is and which map steps it can run.</summary>
internal sealed record HelloReply(int ProcessId, IReadOnlyList<string> MapSteps)
{
    public ReadOnlyMemory<byte> Write(FrameBuilder frames)
    {
        frames.Start(FrameType.HelloReply).Bytes(WorkerProtocol.Magic).Varint(WorkerProtocol.Version).Varint(ProcessId).Varint(MapSteps.Count);
        foreach (string step in MapSteps)
        {
            frames.String(step);
        }

        return frames.Finish();
    }

    /// <summary>Reads the rest of a reply whose magic and version <see cref="HelloFrame.ReadVersion"/> has checked.</summary>
    public static HelloReply ReadRest(ref PayloadReader payload)
    {
        int processId = payload.Int32();
        int count = payload.Int32();
        var steps = new List<string>(Math.Min(count, 256));
        for (int i = 0; i < count; i++)
        {
            steps.Add(payload.String());
        }

        payload.End();
        return new HelloReply(processId, steps);
    }
}

/// <summary>Parent to worker: count the file at <see cref="Path"/>, naming it <see cref="Name"/> in messages.</summary>
/// <param name="TaskId">Unique within the job (the source's index); results carry it back.</param>
/// <param name="Address">The source's address (<see cref="Sources.DataSource.Address"/>): a file's full path, so the worker's working directory does not matter.</param>
/// <param name="Name">The source's display name, as the parent would print it.</param>
/// <param name="MapStep">The registered name of the map step to run.</param>
/// <param name="MapArguments">The map step's arguments (<see cref="Mapping.MapStep.Arguments"/>).</param>
/// <param name="BlockSize">Bytes per block.</param>
/// <param name="MaxLineLength">Longest line accepted.</param>
/// <param name="MalformedRows">Whether malformed rows fail the task or are skipped and sent back.</param>
/// <param name="BrokenSources">Whether a malformed row lets the worker read on, to tell whether the source is broken.</param>
internal sealed record TaskFrame(long TaskId, string Address, string Name, string MapStep, string MapArguments, int BlockSize, int MaxLineLength,
    MalformedRowPolicy MalformedRows, BrokenSourcePolicy BrokenSources)
{
    public ReadOnlyMemory<byte> Write(FrameBuilder frames)
        => frames.Start(FrameType.Task).Varint(TaskId).String(Address).String(Name).String(MapStep).String(MapArguments)
            .Varint(BlockSize).Varint(MaxLineLength).Byte((byte)MalformedRows).Byte((byte)BrokenSources).Finish();

    public static TaskFrame Read(ReadOnlySpan<byte> data)
    {
        var payload = new PayloadReader(data, WorkerProtocol.Subject);
        var task = new TaskFrame(payload.Varint(), payload.String(), payload.String(), payload.String(), payload.String(), payload.Int32(), payload.Int32(),
            Policy<MalformedRowPolicy>(payload.Byte()), Policy<BrokenSourcePolicy>(payload.Byte()));
        payload.End();
        return task;
    }

    private static T Policy<T>(byte value)
        where T : struct, Enum
        => Enum.IsDefined(typeof(T), (int)value) ? (T)Enum.ToObject(typeof(T), value) : throw new InvalidDataException($"{WorkerProtocol.Subject} holds an unknown {typeof(T).Name} {value}");
}

/// <summary>Worker to parent: a malformed row the task skipped.</summary>
internal static class RejectedFrame
{
    public static ReadOnlyMemory<byte> Write(FrameBuilder frames, long taskId, long line, string reason, ReadOnlySpan<byte> text)
        => frames.Start(FrameType.Rejected).Varint(taskId).Varint(line).String(reason).Varint(text.Length).Bytes(text).Finish();

    /// <summary>Adds the row to <paramref name="sink"/>.</summary>
    public static void AddTo(ReadOnlySpan<byte> data, Parsing.RejectSink sink)
    {
        var payload = new PayloadReader(data, WorkerProtocol.Subject);
        payload.Varint();
        long line = payload.Varint();
        string reason = payload.String();
        var text = payload.Bytes(payload.Int32());
        payload.End();
        sink.Add(line, reason, text);
    }
}

/// <summary>Worker to parent: a task's figures, as of now (<see cref="FrameType.Progress"/>) or final (<see cref="FrameType.Done"/>).</summary>
/// <param name="TaskId">The task.</param>
/// <param name="StoredBytes">Bytes read as stored.</param>
/// <param name="Bytes">Uncompressed bytes counted.</param>
/// <param name="Rows">Rows counted.</param>
/// <param name="IsCompressed">Whether the file is gzip.</param>
internal sealed record TaskFigures(long TaskId, long StoredBytes, long Bytes, long Rows, bool IsCompressed)
{
    public TaskFigures(long taskId, Execution.SourceFigures figures)
        : this(taskId, figures.StoredBytes, figures.Bytes, figures.Rows, figures.IsCompressed)
    {
    }

    public Execution.SourceFigures Figures => new(StoredBytes, Bytes, Rows, IsCompressed);

    public ReadOnlyMemory<byte> Write(FrameBuilder frames, FrameType type)
        => frames.Start(type).Varint(TaskId).Varint(StoredBytes).Varint(Bytes).Varint(Rows).Byte(IsCompressed ? (byte)1 : (byte)0).Finish();

    public static TaskFigures Read(ReadOnlySpan<byte> data)
    {
        var payload = new PayloadReader(data, WorkerProtocol.Subject);
        var figures = new TaskFigures(payload.Varint(), payload.Varint(), payload.Varint(), payload.Varint(), payload.Byte() != 0);
        payload.End();
        return figures;
    }
}

/// <summary>Worker to parent: the task failed.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Kind">Data, input or other.</param>
/// <param name="Source">The source name for a data error (as the error gave it).</param>
/// <param name="Line">The 1-based line of a data error, or 0 when none.</param>
/// <param name="Reason">What is wrong: the reason of a data error, the message of any other.</param>
/// <param name="IsBroken">Whether the source could not be read to its end (<see cref="Execution.SourceOutcome.IsBroken"/>).</param>
internal sealed record TaskFailed(long TaskId, TaskFailure Kind, string Source, long Line, string Reason, bool IsBroken)
{
    public ReadOnlyMemory<byte> Write(FrameBuilder frames)
        => frames.Start(FrameType.Failed).Varint(TaskId).Byte((byte)Kind).String(Source).Varint(Line).String(Reason).Boolean(IsBroken).Finish();

    public static TaskFailed Read(ReadOnlySpan<byte> data)
    {
        var payload = new PayloadReader(data, WorkerProtocol.Subject);
        var failed = new TaskFailed(payload.Varint(), (TaskFailure)payload.Byte(), payload.String(), payload.Varint(), payload.String(), payload.Boolean());
        payload.End();
        return failed;
    }

    /// <summary>The frame for a task's error, whatever its type.</summary>
    public static TaskFailed From(long taskId, string name, Exception error, bool broken) => error switch
    {
        TallyDataException e => new TaskFailed(taskId, TaskFailure.Data, e.Source, e.Line ?? 0, e.Reason, broken),
        TallyInputException e => new TaskFailed(taskId, TaskFailure.Input, name, 0, e.Message, broken),
        _ => new TaskFailed(taskId, TaskFailure.Other, name, 0, $"{error.GetType().Name}: {error.Message}", broken),
    };

    /// <summary>The exception the parent throws: the same type and message as the thread executor's.</summary>
    public Exception ToException(string mapStep) => Kind switch
    {
        TaskFailure.Data => new TallyDataException(Source, Line > 0 ? Line : null, Reason),
        TaskFailure.Input => new TallyInputException(Reason),
        _ => new TallyWorkerException(Source, $"map step \"{mapStep}\" failed in a worker process: {Reason}"),
    };
}

/// <summary>A task id and a piece of a table, or an error message; the simple frames.</summary>
internal static class SimpleFrames
{
    public static ReadOnlyMemory<byte> TableChunk(FrameBuilder frames, long taskId, ReadOnlySpan<byte> bytes)
        => frames.Start(FrameType.TableChunk).Varint(taskId).Bytes(bytes).Finish();

    public static ReadOnlyMemory<byte> Format(FrameBuilder frames, long taskId, string format)
        => frames.Start(FrameType.Format).Varint(taskId).String(format).Finish();

    public static string ReadFormat(ReadOnlySpan<byte> data)
    {
        var payload = new PayloadReader(data, WorkerProtocol.Subject);
        payload.Varint();
        string format = payload.String();
        payload.End();
        return format;
    }

    public static ReadOnlyMemory<byte> Error(FrameBuilder frames, string message)
        => frames.Start(FrameType.Error).String(message).Finish();

    public static string ReadError(ReadOnlySpan<byte> data)
    {
        var payload = new PayloadReader(data, WorkerProtocol.Subject);
        string message = payload.String();
        payload.End();
        return message;
    }

    /// <summary>The task id every worker frame but the hello reply and error starts with.</summary>
    public static long ReadTaskId(ReadOnlySpan<byte> data) => new PayloadReader(data, WorkerProtocol.Subject).Varint();
}
