using System.Buffers;
using Tally.Aggregation;
using Tally.Formats.Filters;
using Tally.Mapping;

namespace Tally.Formats.Words;

/// <summary>
/// <c>--format words</c>, plain text: every run of non-whitespace bytes on a line counts 1 (the
/// classic map-reduce word count). Whitespace is the ASCII space, TAB, CR, VT and FF; anything else,
/// punctuation and invalid UTF-8 included, is part of a word.
/// </summary>
/// <remarks>No line is malformed; every line, blank ones too, is a row.</remarks>
public sealed class WordsMapStep : MapStep
{
    /// <summary>The name workers know this step by.</summary>
    public const string StepName = "words";

    private static readonly SearchValues<byte> s_space = SearchValues.Create(" \t\n\r\v\f"u8);
    private readonly KeyRules? _rules;

    /// <summary>A step that counts words as they are, or folded to lower case with <paramref name="ignoreCase"/>.</summary>
    public WordsMapStep(bool ignoreCase = false)
        : base(StepName)
    {
        IgnoreCase = ignoreCase;
        _rules = KeyRules.Folding(ignoreCase);
    }

    /// <summary>Whether words are folded to lower case (<see cref="KeyFold"/>).</summary>
    public bool IgnoreCase { get; }

    /// <inheritdoc/>
    public override string Arguments => IgnoreCase ? "ignore-case" : "";

    /// <inheritdoc/>
    public override bool RowsAreLines => true;

    /// <inheritdoc/>
    public override string KeyOf(string key) => IgnoreCase ? KeyFold.Fold(key) : key;

    /// <inheritdoc/>
    public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
    {
        var rest = block;
        while (true)
        {
            int start = rest.IndexOfAnyExcept(s_space);
            if (start < 0)
            {
                break;
            }

            rest = rest[start..];
            int end = rest.IndexOfAny(s_space);
            var word = end < 0 ? rest : rest[..end];
            try
            {
                if (_rules is null)
                {
                    table.Add(word, 1);
                }
                else
                {
                    _rules.Add(table, word, 1);
                }
            }
            catch (OverflowException e)
            {
                throw new TallyDataException(context.SourceName, null, e.Message, e);
            }

            if (end < 0)
            {
                break;
            }

            rest = rest[end..];
        }

        return ByteScan.CountLines(block);
    }
}
