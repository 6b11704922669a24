namespace Tally;

/// <summary>How the sorted output (<c>-o</c>) uses the cores.</summary>
public static partial class TallyDefaults
{
    /// <summary>Tables with fewer distinct ngrams than this are sorted and formatted on the calling thread.</summary>
    /// <remarks>
    /// The parallel path hands work to the thread pool about ten times (snapshot, classify,
    /// scatter, sort, and one task per output chunk), tens of microseconds in all; sorting 32 Ki
    /// entries takes a few milliseconds, so below this the overhead would be a visible share.
    /// </remarks>
    internal const int ParallelOutputThreshold = 1 << 15;

    /// <summary>Key ranges the sorted output is split into, per core, each sorted as one task.</summary>
    /// <remarks>
    /// The ranges are cut at sampled keys, so their sizes vary by some percent; four per core let
    /// a core that finishes early take another range instead of idling at the end.
    /// </remarks>
    internal const int OutputPartitionsPerCore = 4;

    /// <summary>Rows formatted as one chunk of the sorted output.</summary>
    /// <remarks>
    /// 16 Ki rows of an Ngram 1-gram are about 270 KB of text and a millisecond of formatting:
    /// large enough that a task and a write per chunk cost nothing measurable, small enough that
    /// the chunks in flight stay a few MB.
    /// </remarks>
    internal const int OutputChunkRows = 1 << 14;

    /// <summary>Output chunks being formatted or waiting to be written, per core.</summary>
    /// <remarks>
    /// Two per core keep every core formatting while the writer waits on the stream, and bound the
    /// memory of the output stage at about <c>cores * 2</c> chunks, whatever the table's size.
    /// </remarks>
    internal const int OutputChunksInFlightPerCore = 2;

    /// <summary>Bytes of finished sources' tables the job may hand to the result without folding them into one.</summary>
    /// <remarks>
    /// The sorted output sums keys held by several tables on all cores, where folding is serial
    /// (see <c>ResultTables</c>). 128 MiB holds the six worker tables of the standard set (893
    /// thousand ngrams, about 100 MB of slots and keys) unfolded; past it, or past the folded
    /// table's own size, the waiting tables are folded as before, which bounds the memory that
    /// keys repeated across tables can take.
    /// </remarks>
    internal const long UnfoldedTableBytes = 128L << 20;
}
