using Tally.Aggregation;
using Tally.Formats.Filters;
using Tally.Formats.NgramV2;
using Tally.Formats.NgramV3;
using Tally.Mapping;

namespace Tally.Formats.Auto;

/// <summary>
/// <c>--format auto</c>: picks Ngram v2 or v3 for each source from its first line (<see cref="ForSource"/>),
/// with the same <see cref="NgramFilter"/>; the files of one job may differ in format.
/// </summary>
/// <remarks>
/// Four TAB-separated fields with fields 2 to 4 all digits is v2; a second field of the form
/// <c>digits,digits,digits</c> is v3. Anything else fails the source with <c>name:1:</c> and the
/// <c>--format</c> to give. It never maps a block itself: every executor asks it for the source's step first.
/// </remarks>
public sealed class AutoMapStep : FilteredNgramStep
{
    /// <summary>The name workers know this step by.</summary>
    public const string StepName = "auto";

    /// <summary>The reason a source that fits neither format fails with, at line 1.</summary>
    internal const string NeitherReason = "the first line is neither Ngram v2 (ngram TAB year TAB match_count TAB volume_count) nor Ngram v3 "
        + "(ngram TAB year,match_count,volume_count ...); give --format tsv (with --key and --value) or --format words for other data";

    private readonly NgramV2MapStep _v2;
    private readonly NgramV3MapStep _v3;

    /// <summary>A step that picks v2 or v3 per source, both with <paramref name="filter"/>.</summary>
    public AutoMapStep(NgramFilter filter)
        : base(StepName, filter)
    {
        _v2 = filter == NgramFilter.None ? NgramV2MapStep.Instance : new NgramV2MapStep(filter);
        _v3 = filter == NgramFilter.None ? NgramV3MapStep.Instance : new NgramV3MapStep(filter);
    }

    /// <inheritdoc/>
    public override MapStep ForSource(ReadOnlySpan<byte> firstLines, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        int newline = firstLines.IndexOf((byte)'\n');
        var line = newline < 0 ? firstLines : firstLines[..newline];
        if (line.EndsWith((byte)'\r'))
        {
            line = line[..^1];
        }

        return Detect(line) switch
        {
            NgramV2MapStep.StepName => _v2,
            NgramV3MapStep.StepName => _v3,
            _ => throw new TallyDataException(sourceName, 1, NeitherReason),
        };
    }

    /// <summary>The format <paramref name="line"/> (without its line end) looks like: <c>ngram-v2</c>, <c>ngram-v3</c>, or null.</summary>
    internal static string? Detect(ReadOnlySpan<byte> line)
    {
        int count = 0;
        bool numeric = true;
        bool triple = false;
        foreach (var range in line.Split((byte)'\t'))
        {
            count++;
            var field = line[range];
            if (count is >= 2 and <= 4)
            {
                numeric &= IsDigits(field);
            }

            if (count == 2)
            {
                triple = IsTriple(field);
            }
        }

        return count == 4 && numeric ? NgramV2MapStep.StepName
            : count >= 2 && triple ? NgramV3MapStep.StepName
            : null;
    }

    private static bool IsTriple(ReadOnlySpan<byte> field)
    {
        int parts = 0;
        foreach (var range in field.Split((byte)','))
        {
            if (++parts > 3 || !IsDigits(field[range]))
            {
                return false;
            }
        }

        return parts == 3;
    }

    private static bool IsDigits(ReadOnlySpan<byte> field) => !field.IsEmpty && !field.ContainsAnyExceptInRange((byte)'0', (byte)'9');

    /// <inheritdoc/>
    /// <remarks>Not called by the engine, which maps with the step <see cref="ForSource"/> chose; a caller that maps blocks itself gets the format of each block's first line.</remarks>
    public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
        => ForSource(block, context.SourceName).Map(block, table, context);
}
