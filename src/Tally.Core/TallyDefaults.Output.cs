namespace Tally;

/// <summary>How the sorted output (<c>-o</c>) uses the cores.</summary>
public static partial class TallyDefaults
{
    /// <summary>Tables with fewer distinct ngrams than this are sorted on the calling thread.</summary>
    /// <remarks>
    /// The parallel path hands work to the thread pool a few times (snapshot, classify, scatter,
    /// sort), tens of microseconds in all; sorting 32 Ki entries takes a few milliseconds, so
    /// below this the overhead would be a visible share.
    /// </remarks>
    internal const int ParallelOutputThreshold = 1 << 15;

    /// <summary>Key ranges the sorted output is split into, per core, each sorted as one task.</summary>
    /// <remarks>
    /// The ranges are cut at sampled keys, so their sizes vary by some percent; four per core let
    /// a core that finishes early take another range instead of idling at the end.
    /// </remarks>
    internal const int OutputPartitionsPerCore = 4;
}
