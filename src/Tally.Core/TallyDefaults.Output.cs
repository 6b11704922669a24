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

    /// <summary>Sampled keys per key range when choosing the sort's splitters (<c>SplitterSampler</c>).</summary>
    /// <remarks>
    /// With s samples per range a range's size is off by about 1/sqrt(s): 64 gives some 12%, which
    /// four ranges per core even out, and sorting 64 keys per range costs microseconds.
    /// </remarks>
    internal const int SortSamplesPerPartition = 64;

    /// <summary>Most bits of the key prefix one radix pass groups by, fewer for small groups (<c>PrefixRadixSort</c>).</summary>
    /// <remarks>2^11 counters are 8 KiB, well inside L1 with the two arrays being read and written.</remarks>
    internal const int SortRadixBits = 11;

    /// <summary>Groups of this many prefixes or fewer are sorted by comparison, not by another radix pass (<c>PrefixRadixSort</c>).</summary>
    /// <remarks>
    /// Chosen with the radix sort and not tuned on its own: a group this small is a few cache lines
    /// of prefixes, where <c>Array.Sort</c> of primitive keys is cheap, and a further pass would
    /// clear and scan counters for fewer than four entries per digit.
    /// </remarks>
    internal const int SortRadixCutoff = 64;

    /// <summary>Longest run of keys with equal prefixes sorted by an insertion sort; longer runs go to <c>Array.Sort</c> with a comparer (<c>RangeSorter</c>).</summary>
    /// <remarks>
    /// Most runs are a word and its tagged forms, two or three keys: an insertion sort without a
    /// call per comparison beats Array.Sort's setup there (measured over 178,200 runs). The bound
    /// itself was not tuned: it keeps the insertion sort's quadratic worst case small.
    /// </remarks>
    internal const int SortInsertionMaxRun = 16;

    /// <summary>Most tables whose sorted listings are merged rather than sorted again (<c>SortedListingsMerge</c>).</summary>
    /// <remarks>
    /// The merge picks the least head by scanning every run's head, a cost per entry that grows with
    /// the runs: past 16 a radix pass per entry is cheaper. A job hands over two tables per worker
    /// per source left unfolded; the standard set gives six.
    /// </remarks>
    internal const int SortMaxMergedRuns = 16;

    /// <summary>Buffer of the output's serial path (<c>OrderedChunkWriter</c>) and of <c>tally count --top</c>, written to the stream whenever it fills.</summary>
    /// <remarks>64 KiB: a few hundred rows per write call, and the file stream's own buffer size, so each write goes straight through.</remarks>
    internal const int OutputStreamBufferBytes = 1 << 16;

    /// <summary>Largest buffer an output chunk is formatted into on the pool (<c>OrderedChunkWriter</c>).</summary>
    /// <remarks>
    /// Ngram chunks are well under a megabyte. Keys can be up to 1 GiB each (the line limit), so a
    /// chunk of very long keys is streamed by the writer instead: the memory of the chunks in
    /// flight stays bounded by the window times this, and no buffer can pass the largest array.
    /// </remarks>
    internal const int OutputMaxChunkBytes = 64 << 20;

    /// <summary>Entries the top-N heap holds before it first grows.</summary>
    /// <remarks>4 Ki entries (about 100 KB) covers any top list a person reads; a larger N grows the heap as keys arrive, never past the number of keys.</remarks>
    internal const int TopInitialCapacity = 1 << 12;
}
