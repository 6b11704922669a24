namespace Tally.Output;

/// <summary>One row of the sorted walk: an ngram's bytes and its total, valid only while its <see cref="SortedChunk"/> is.</summary>
public readonly ref struct SortedRow
{
    internal SortedRow(ReadOnlySpan<byte> key, long total)
    {
        Key = key;
        Total = total;
    }

    /// <summary>The ngram's bytes exactly as in the input (not necessarily valid UTF-8).</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>Its total match_count, summed over every table that held it.</summary>
    public long Total { get; }
}
