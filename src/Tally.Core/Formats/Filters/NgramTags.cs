namespace Tally.Formats.Filters;

/// <summary>Finds part-of-speech tags in an ngram's tokens (see <see cref="TagFilter"/>).</summary>
/// <remarks>Runs once per distinct key of a run (v2) or per line (v3), never per byte of a row.</remarks>
internal static class NgramTags
{
    /// <summary>Whether a key with these tokens is counted under <paramref name="filter"/>.</summary>
    public static bool Passes(ReadOnlySpan<byte> key, TagFilter filter)
    {
        if (filter == TagFilter.Keep)
        {
            return true;
        }

        // Cheap exit: every tag form holds an underscore.
        if (!key.Contains((byte)'_'))
        {
            return filter == TagFilter.Drop;
        }

        bool tagged = false;
        bool pure = false;
        foreach (var range in key.Split((byte)' '))
        {
            var token = key[range];
            if (IsPureTag(token))
            {
                pure = true;
            }
            else if (IsTagged(token))
            {
                tagged = true;
            }
        }

        return filter == TagFilter.Drop ? !tagged && !pure : tagged;
    }

    /// <summary><c>word_TAG</c>: a tag after <c>_</c> and at least one other character.</summary>
    public static bool IsTagged(ReadOnlySpan<byte> token)
    {
        int underscore = token.LastIndexOf((byte)'_');
        return underscore >= 1 && IsTag(token[(underscore + 1)..]);
    }

    /// <summary><c>_TAG_</c>, <c>_START_</c>, <c>_END_</c> or <c>_ROOT_</c>.</summary>
    public static bool IsPureTag(ReadOnlySpan<byte> token)
    {
        if (token.Length < 3 || token[0] != (byte)'_' || token[^1] != (byte)'_')
        {
            return false;
        }

        var inner = token[1..^1];
        return IsTag(inner) || inner.SequenceEqual("START"u8) || inner.SequenceEqual("END"u8) || inner.SequenceEqual("ROOT"u8);
    }

    private static bool IsTag(ReadOnlySpan<byte> name) => name.Length switch
    {
        1 => name[0] is (byte)'X' or (byte)'.',
        3 => name.SequenceEqual("ADJ"u8) || name.SequenceEqual("ADV"u8) || name.SequenceEqual("DET"u8)
            || name.SequenceEqual("ADP"u8) || name.SequenceEqual("NUM"u8) || name.SequenceEqual("PRT"u8),
        4 => name.SequenceEqual("NOUN"u8) || name.SequenceEqual("VERB"u8) || name.SequenceEqual("PRON"u8) || name.SequenceEqual("CONJ"u8),
        _ => false,
    };
}
