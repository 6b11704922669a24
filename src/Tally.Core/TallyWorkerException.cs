namespace Tally;

/// <summary>A worker process could not count a source: it kept crashing, could not be started, or did not speak the protocol.</summary>
/// <remarks>
/// A malformed row found by a worker is a <see cref="TallyDataException"/> and an unreadable input a
/// <see cref="TallyInputException"/>, exactly as with threads; this is for failures of the worker
/// itself. The CLI maps it to exit code 3.
/// </remarks>
public sealed class TallyWorkerException : Exception
{
    /// <summary>Creates the exception for <paramref name="source"/> (null when no source is involved).</summary>
    public TallyWorkerException(string? source, string reason, Exception? inner = null)
        : base(source is null ? reason : $"{source}: {reason}", inner)
    {
        Source = source;
        Reason = reason;
    }

    /// <summary>The display name of the source whose task failed, when there is one.</summary>
    public new string? Source { get; }

    /// <summary>What went wrong, without the source name.</summary>
    public string Reason { get; }
}
