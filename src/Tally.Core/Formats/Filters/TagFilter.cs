namespace Tally.Formats.Filters;

/// <summary>What to do with part-of-speech tags in Ngram rows: <c>--tags keep|drop|only</c>.</summary>
/// <remarks>
/// A token is <em>tagged</em> when it ends in <c>_</c> and one of <c>NOUN VERB ADJ ADV PRON DET ADP
/// NUM CONJ PRT X .</c> after at least one other character (<c>book_NOUN</c>); a token is a
/// <em>pure tag</em> when it is <c>_TAG_</c> or one of <c>_START_ _END_ _ROOT_</c>. Summing every
/// row (<see cref="Keep"/>) counts words more than once: a tagged row repeats counts already in its
/// untagged form, and in v3 the pure-tag rows add up to nearly the whole corpus.
/// </remarks>
public enum TagFilter
{
    /// <summary>Every row counts, under its own string (the default).</summary>
    Keep,

    /// <summary>Only rows with no tagged token and no pure tag count.</summary>
    Drop,

    /// <summary>Only rows with at least one tagged token count.</summary>
    Only,
}
