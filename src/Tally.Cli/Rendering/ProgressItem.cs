namespace Tally.Cli.Rendering;

/// <summary>One line of the live display: an input being read, a download, a cluster node; anything with a name and some of bytes, rows and a rate.</summary>
/// <param name="Name">What the line is about; shortened in the middle when the line is too narrow.</param>
/// <param name="Length">Bytes in all, when known: then the line has a bar, a percentage and an ETA.</param>
/// <param name="BytesDone">Bytes done so far (as stored: compressed bytes for gzip).</param>
/// <param name="Rows">Rows counted so far, or null where rows mean nothing (a download).</param>
/// <param name="RowsPerSecond">The recent rate, or the final one once done; null when not known yet.</param>
/// <param name="Remaining">Time left, when it can be told.</param>
/// <remarks>
/// A new kind of work (an HTTP download with a Content-Length, a node of a cluster) shows up in the
/// live display by giving these, through <see cref="IStatusLines"/>: the renderer never asks what
/// the item is.
/// </remarks>
internal sealed record ProgressItem(string Name, long? Length, long BytesDone, long? Rows, double? RowsPerSecond, TimeSpan? Remaining)
{
    /// <summary>Words shown instead of the bar and the figures (a cluster node's <c>2/2 running, 5 done</c>), when set.</summary>
    public string? Note { get; init; }

    /// <summary>The fraction done, when the length is known.</summary>
    public double? Fraction => Length is { } length ? length <= 0 ? 1 : Math.Clamp((double)BytesDone / length, 0, 1) : null;
}

/// <summary>Lines a job adds to the live display beside its inputs: downloads, cluster nodes.</summary>
/// <remarks>Read on the display's own loop, every refresh; an implementation returns a snapshot and must not block.</remarks>
internal interface IStatusLines
{
    IReadOnlyList<ProgressItem> Current();
}

/// <summary>Everything the live display shows at one moment.</summary>
/// <param name="Overall">The whole job: always on screen, as the last line.</param>
/// <param name="Running">The inputs being read now (as many as there are readers).</param>
/// <param name="Extra">Lines from <see cref="IStatusLines"/> sources.</param>
/// <param name="Inputs">How many inputs in all.</param>
/// <param name="Counting">Inputs read to the end whose last blocks are still being counted or merged: not drawn, only counted.</param>
/// <param name="Waiting">Inputs not started.</param>
/// <param name="Done">Inputs finished.</param>
/// <param name="Failed">Inputs left out (<c>--skip-bad-files</c>).</param>
/// <param name="Tick">A counter that moves the spinner and the bar of an input of unknown length.</param>
internal sealed record ProgressFrame(
    ProgressItem Overall,
    IReadOnlyList<ProgressItem> Running,
    IReadOnlyList<ProgressItem> Extra,
    int Inputs,
    int Counting,
    int Waiting,
    int Done,
    int Failed,
    int Tick);
