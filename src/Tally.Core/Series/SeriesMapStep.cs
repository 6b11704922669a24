using Tally.Aggregation;
using Tally.Formats.Auto;
using Tally.Formats.Filters;
using Tally.Formats.NgramV2;
using Tally.Formats.NgramV3;
using Tally.Mapping;

namespace Tally.Series;

/// <summary>
/// The map step of a series: over Ngram v2 or v3 rows, keeps the match_count of each queried
/// ngram per year, under the key <c>year TAB ngram</c>. The reduce is a count's own (totals
/// summed per key), so every executor, checkpoint and worker process runs a series unchanged.
/// </summary>
/// <remarks>
/// Its <see cref="MapStep.Arguments"/> carry the format, the filter and the queried keys, one per
/// line, so a worker process rebuilds the same step and a checkpoint made for other words is
/// recomputed. Every row is checked as a count checks it (<see cref="SeriesParser"/>).
/// </remarks>
public sealed class SeriesMapStep : FilteredNgramStep
{
    /// <summary>The name workers know this step by.</summary>
    public const string StepName = "series";

    private readonly CountTable _queries;
    private readonly ForFormat? _v2;
    private readonly ForFormat? _v3;

    /// <summary>A step that keeps the years of <paramref name="keys"/> in <paramref name="format"/> data.</summary>
    /// <param name="keys">The ngrams as the table keys them (folded already under <see cref="NgramFilter.IgnoreCase"/>); no TAB or line end.</param>
    /// <param name="filter">The years, tags and case rules rows are read under.</param>
    /// <param name="format"><c>auto</c> (v2 or v3 per source), <c>ngram-v2</c> or <c>ngram-v3</c>.</param>
    /// <exception cref="ArgumentException">No key, a key with a TAB or line end, or another format.</exception>
    public SeriesMapStep(IReadOnlyList<string> keys, NgramFilter filter, string format = AutoMapStep.StepName)
        : base(StepName, filter)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(format);
        if (format is not (AutoMapStep.StepName or NgramV2MapStep.StepName or NgramV3MapStep.StepName))
        {
            throw new ArgumentException($"\"{format}\" is not a series format: give auto, ngram-v2 or ngram-v3", nameof(format));
        }

        if (keys.Count == 0)
        {
            throw new ArgumentException("a series needs at least one ngram", nameof(keys));
        }

        var distinct = new List<string>();
        _queries = new CountTable(Math.Max(8, keys.Count * 2));
        foreach (string key in keys)
        {
            if (key.Length == 0 || key.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0)
            {
                throw new ArgumentException($"\"{key}\": an ngram to look up must be non-empty, with no TAB or line end", nameof(keys));
            }

            byte[] bytes = Platform.UnixName.Encode(key);
            if (_queries.Get(bytes) == 0)
            {
                _queries.Add(bytes, 1);
                distinct.Add(key);
            }
        }

        Keys = distinct;
        Format = format;
        if (format != NgramV3MapStep.StepName)
        {
            _v2 = new ForFormat(NgramV2MapStep.StepName, this);
        }

        if (format != NgramV2MapStep.StepName)
        {
            _v3 = new ForFormat(NgramV3MapStep.StepName, this);
        }
    }

    /// <summary>The distinct ngrams looked up, in the order first given, as the table keys them.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary><c>auto</c>, <c>ngram-v2</c> or <c>ngram-v3</c>.</summary>
    public string Format { get; }

    /// <inheritdoc/>
    /// <remarks>Lines: the format, the filter's arguments, then one key per line.</remarks>
    public override string Arguments => string.Join('\n', [Format, Filter.Arguments, .. Keys]);

    /// <summary>Rebuilds a step from its <see cref="Arguments"/> (in a worker process).</summary>
    /// <exception cref="ArgumentException">Not arguments this step writes.</exception>
    public static SeriesMapStep Parse(string arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        string[] lines = arguments.Split('\n');
        if (lines.Length < 3)
        {
            throw new ArgumentException("series arguments are a format, a filter and at least one ngram, one per line", nameof(arguments));
        }

        return new SeriesMapStep(lines[2..], NgramFilter.Parse(lines[1]), lines[0]);
    }

    /// <inheritdoc/>
    /// <remarks>Under <c>auto</c>, v2 or v3 as <see cref="AutoMapStep"/> decides; the step it returns reports that format.</remarks>
    public override MapStep ForSource(ReadOnlySpan<byte> firstLines, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        if (_v2 is null)
        {
            return _v3!;
        }

        if (_v3 is null)
        {
            return _v2;
        }

        int newline = firstLines.IndexOf((byte)'\n');
        var line = newline < 0 ? firstLines : firstLines[..newline];
        if (line.EndsWith((byte)'\r'))
        {
            line = line[..^1];
        }

        return AutoMapStep.Detect(line) switch
        {
            NgramV2MapStep.StepName => _v2,
            NgramV3MapStep.StepName => _v3,
            _ => throw new TallyDataException(sourceName, 1, AutoMapStep.NeitherReason),
        };
    }

    /// <inheritdoc/>
    public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
        => ForSource(block, context.SourceName).Map(block, table, context);

    /// <summary>
    /// The step a source of one format is mapped with: named after that format, so that a
    /// source's completion says <c>ngram-v2</c> or <c>ngram-v3</c> as a count's would.
    /// </summary>
    private sealed class ForFormat(string format, SeriesMapStep series) : FilteredNgramStep(format, series.Filter)
    {
        private readonly bool _v3 = format == NgramV3MapStep.StepName;

        public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
        {
            var years = Filter.Years;
            return (_v3, years) switch
            {
                (true, { } window) => SeriesParser.ParseV3(block, table, context, new YearWindow(window), Rules, series._queries),
                (true, null) => SeriesParser.ParseV3(block, table, context, default(AllYears), Rules, series._queries),
                (false, { } window) => SeriesParser.ParseV2(block, table, context, new YearWindow(window), Rules, series._queries),
                (false, null) => SeriesParser.ParseV2(block, table, context, default(AllYears), Rules, series._queries),
            };
        }
    }
}
