using Tally.Mapping;

namespace Tally.Execution;

/// <summary>Everything a worker needs to count one source exactly as the job does, wherever it runs.</summary>
/// <param name="MapStep">The map step; a remote worker rebuilds it from its name and arguments.</param>
/// <param name="BlockSize">Bytes per block.</param>
/// <param name="MaxLineLength">Longest line accepted; a longer one makes the source broken.</param>
/// <param name="MalformedRows">Whether a malformed row fails the source or is skipped and reported.</param>
/// <param name="BrokenSources">Whether a source that cannot be read to its end fails the job or is left out.</param>
public sealed record TaskSettings(MapStep MapStep, int BlockSize, int MaxLineLength, MalformedRowPolicy MalformedRows, BrokenSourcePolicy BrokenSources)
{
    /// <summary>The settings of <paramref name="options"/>.</summary>
    public static TaskSettings Of(CountOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.MapStep, options.BlockSize, options.MaxLineLength, options.MalformedRows, options.BrokenSources);
    }

    /// <summary>
    /// Blocks <see cref="SourceCounter"/> reads ahead on a task of its own while it maps the one
    /// before (inflating and parsing at once, one source on two cores); 0, the default, reads on
    /// the counting task. For a caller that counts one source per task, such as a cluster node
    /// with fewer sources left than slots.
    /// </summary>
    public int ReadAhead { get; init; }
}
