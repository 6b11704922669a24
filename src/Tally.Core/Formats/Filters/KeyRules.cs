using System.Buffers;
using Tally.Aggregation;

namespace Tally.Formats.Filters;

/// <summary>Applies the key filters (tags, case folding) as a key's total goes into a table.</summary>
/// <remarks>
/// Called once per key a parser adds (a run of v2 rows, a v3 line, a word), never per row within a
/// run, so its cost is spread over the rows. Stateless but for a scratch buffer per thread:
/// one instance serves every worker at once.
/// </remarks>
internal sealed class KeyRules
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? s_folded;

    private readonly TagFilter _tags;
    private readonly bool _fold;

    private KeyRules(TagFilter tags, bool fold)
    {
        _tags = tags;
        _fold = fold;
    }

    /// <summary>The rules of <paramref name="filter"/>, or null when it changes no key (the hot path then adds keys as they are).</summary>
    public static KeyRules? Of(NgramFilter filter) => filter.ChangesKeys ? new KeyRules(filter.Tags, filter.IgnoreCase) : null;

    /// <summary>Case folding only, for formats without tags.</summary>
    public static KeyRules? Folding(bool ignoreCase) => ignoreCase ? new KeyRules(TagFilter.Keep, fold: true) : null;

    /// <summary>Whether a key is counted at all (its tags pass).</summary>
    public bool Passes(ReadOnlySpan<byte> key) => NgramTags.Passes(key, _tags);

    /// <summary>Adds <paramref name="total"/> under the key's folded form when it passes the tag filter.</summary>
    /// <exception cref="OverflowException">The key's total passes 2^63-1.</exception>
    public void Add(CountTable table, ReadOnlySpan<byte> key, long total)
    {
        if (TryKey(key, out var counted))
        {
            table.Add(counted, total);
        }
    }

    /// <summary>The key a row is counted under (its folded form), or false when its tags do not pass.</summary>
    /// <remarks>The folded key lives in a per-thread buffer: use it before the next call on this thread.</remarks>
    public bool TryKey(ReadOnlySpan<byte> key, out ReadOnlySpan<byte> counted)
    {
        counted = key;
        if (!NgramTags.Passes(key, _tags))
        {
            return false;
        }

        if (!_fold || KeyFold.IsFolded(key))
        {
            return true;
        }

        var folded = s_folded ??= new ArrayBufferWriter<byte>(256);
        folded.ResetWrittenCount();
        KeyFold.Fold(key, folded);
        counted = folded.WrittenSpan;
        return true;
    }
}
