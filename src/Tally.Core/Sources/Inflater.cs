namespace Tally.Sources;

/// <summary>What one call to an <see cref="Inflater"/> came to.</summary>
internal enum InflateStatus
{
    /// <summary>Went on: output was made, or more input (or output room) is needed.</summary>
    Progress,

    /// <summary>The gzip member ended, and its CRC-32 and length matched the trailer.</summary>
    MemberEnd,

    /// <summary>The data is not valid gzip; the error text says why.</summary>
    Corrupt,
}

/// <summary>
/// One gzip member decoder behind <see cref="GzipDecoder"/>: it parses the member's header,
/// inflates, and checks the trailer. The decoder owns the framing around it (input refills,
/// concatenated members, what a cut-short stream means), so both engines fail the same way.
/// </summary>
/// <remarks>Not thread-safe; the input buffer must stay pinned while it is set.</remarks>
internal abstract unsafe class Inflater : IDisposable
{
    /// <summary>The engine's name, as the verbose log prints it.</summary>
    public abstract string Name { get; }

    /// <summary>Input bytes handed over and not yet consumed.</summary>
    public abstract uint AvailableInput { get; }

    public abstract void SetInput(byte* input, uint length);

    /// <summary>Starts a member at the current input: the first one, or the next after a <see cref="InflateStatus.MemberEnd"/>.</summary>
    public abstract void StartMember();

    /// <summary>Inflates into <paramref name="output"/>; <paramref name="error"/> is set when the status is <see cref="InflateStatus.Corrupt"/>.</summary>
    public abstract InflateStatus Inflate(byte* output, uint length, out int produced, out string? error);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);

    ~Inflater() => Dispose(false);
}
