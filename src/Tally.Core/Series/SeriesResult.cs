using System.Buffers.Text;
using System.Globalization;
using Tally.Aggregation;
using Tally.Output;

namespace Tally.Series;

/// <summary>The result of a series: each queried ngram's yearly match counts, and its relative frequencies and smoothed values when asked for.</summary>
public sealed class SeriesResult
{
    private SeriesResult(CountResult counts, SeriesQuery query, long firstYear, int years, IReadOnlyList<NgramSeries> series)
    {
        Counts = counts;
        Query = query;
        FirstYear = firstYear;
        YearCount = years;
        Series = series;
    }

    /// <summary>The map-reduce underneath: rows read, each source's completion, the inputs left out, the time taken.</summary>
    public CountResult Counts { get; }

    /// <summary>The query answered.</summary>
    public SeriesQuery Query { get; }

    /// <summary>The first year of the range (meaningless when <see cref="YearCount"/> is 0).</summary>
    public long FirstYear { get; }

    /// <summary>The last year of the range.</summary>
    public long LastYear => FirstYear + YearCount - 1;

    /// <summary>Years in the range; 0 when there is no year to show (no data, no totals and no closed <c>--years</c>).</summary>
    public int YearCount { get; }

    /// <summary>The years of the range, in order.</summary>
    public IReadOnlyList<long> Years => [.. Enumerable.Range(0, YearCount).Select(i => FirstYear + i)];

    /// <summary>One series per distinct queried ngram, in the order first given.</summary>
    public IReadOnlyList<NgramSeries> Series { get; }

    /// <summary>Whether the values are relative frequencies (totals were given).</summary>
    public bool HasRelativeFrequencies => Query.Totals.Count > 0;

    /// <summary>The series of <paramref name="word"/> (looked up as the query keys it), or null when it was not queried.</summary>
    public NgramSeries? Get(string word) => Series.FirstOrDefault(s => s.Ngram == Query.KeyOf(word));

    /// <summary>The tidy long form <c>-o</c> writes: one row per (ngram, year), with <c>ngram</c>, <c>year</c>, <c>match_count</c>, then <c>relative_frequency</c> with totals and <c>smoothed</c> with smoothing.</summary>
    public RecordTable ToRecords()
    {
        int rows = Series.Count * YearCount;
        var ngrams = new string[rows];
        var years = new long[rows];
        var counts = new long[rows];
        var frequencies = HasRelativeFrequencies ? new double[rows] : null;
        var smoothed = Query.Smoothing > 0 ? new double[rows] : null;
        int row = 0;
        foreach (var series in Series)
        {
            for (int i = 0; i < YearCount; i++, row++)
            {
                ngrams[row] = series.Ngram;
                years[row] = FirstYear + i;
                counts[row] = series.MatchCounts[i];
                frequencies?[row] = series.RelativeFrequencies![i];
                smoothed?[row] = series.Smoothed![i];
            }
        }

        List<RecordColumn> columns = [RecordColumn.Text("ngram", ngrams), RecordColumn.Integer("year", years), RecordColumn.Integer("match_count", counts)];
        if (frequencies is not null)
        {
            columns.Add(RecordColumn.Real("relative_frequency", frequencies));
        }

        if (smoothed is not null)
        {
            columns.Add(RecordColumn.Real("smoothed", smoothed));
        }

        return new RecordTable("series", columns);
    }

    /// <summary>Builds the series from the reduced table of <c>year TAB ngram</c> keys.</summary>
    /// <exception cref="TallyDataException">A year with a count has no total (or a total of 0) in the totals file.</exception>
    internal static SeriesResult Create(CountResult counts, SeriesQuery query)
    {
        var keys = query.Keys();

        // Keys are matched as bytes, as the map step stored them: no string per table entry.
        var index = new CountTable(Math.Max(8, keys.Count * 2));
        for (int i = 0; i < keys.Count; i++)
        {
            index.Add(Platform.UnixName.Encode(keys[i]), i + 1);
        }

        // The job's tables, unmerged and unsorted: a key in several is summed below, in any
        // order, since the sum is all that is kept.
        var state = new Collector(index);
        foreach (var table in counts.Tables)
        {
            table.ForEach(ref state, static (ref Collector collector, ReadOnlySpan<byte> key, long total) => collector.Add(key, total));
        }

        var found = state.Found;
        var (first, years) = Range(query, found);
        var perSeries = new long[keys.Count][];
        for (int i = 0; i < keys.Count; i++)
        {
            perSeries[i] = new long[years];
        }

        foreach (var (series, year, count) in found)
        {
            if (year >= first && year < first + years)
            {
                ref long cell = ref perSeries[series][year - first];
                long sum = cell + count;
                if (sum < cell)
                {
                    throw new TallyDataException(keys[series], null, string.Create(CultureInfo.InvariantCulture, $"the match_count of {year} passes 2^63-1"));
                }

                cell = sum;
            }
        }

        var result = new List<NgramSeries>(keys.Count);
        for (int i = 0; i < keys.Count; i++)
        {
            var totals = query.TotalsFor(keys[i]);
            double[]? frequencies = totals is null ? null : Divide(keys[i], perSeries[i], first, totals);
            double[]? smoothed = query.Smoothing > 0
                ? Smoothing.Smooth(frequencies ?? [.. perSeries[i].Select(c => (double)c)], query.Smoothing)
                : null;
            result.Add(new NgramSeries(keys[i], perSeries[i], totals, frequencies, smoothed));
        }

        return new SeriesResult(counts, query, first, years, result);
    }

    /// <summary>Reads <c>year TAB ngram</c> entries into (series, year, count).</summary>
    private readonly struct Collector(CountTable index)
    {
        public List<(int Series, long Year, long Count)> Found { get; } = [];

        public void Add(ReadOnlySpan<byte> key, long total)
        {
            int tab = key.IndexOf((byte)'\t');
            long series;
            if (tab <= 0 || !Utf8Parser.TryParse(key[..tab], out long year, out int used) || used != tab
                || (series = index.Get(key[(tab + 1)..])) == 0)
            {
                throw new InvalidOperationException($"a series table holds a key it cannot have made: \"{Formats.KeyText.Display(key)}\"");
            }

            Found.Add(((int)series - 1, year, total));
        }
    }

    /// <summary>
    /// The range: a closed <c>--years</c>; otherwise each open end from the totals files' years
    /// when totals are given, else from the years of the queried ngrams' rows.
    /// </summary>
    private static (long First, int Years) Range(SeriesQuery query, List<(int Series, long Year, long Count)> found)
    {
        var window = query.Filter.Years;
        long? first = window is { From: > 0 } w1 ? w1.From : null;
        long? last = window is { To: < long.MaxValue } w2 ? w2.To : null;
        if (query.Totals.Count > 0)
        {
            var used = query.Totals.Where(t => t.Count > 0).ToList();
            first ??= used.Count == 0 ? null : used.Min(t => t.FirstYear);
            last ??= used.Count == 0 ? null : used.Max(t => t.LastYear);
        }

        long? low = null;
        long? high = null;
        foreach (var (_, year, count) in found)
        {
            if (count != 0 && (window is not { } w || w.Contains(year)))
            {
                low = low is { } l && l <= year ? l : year;
                high = high is { } h && h >= year ? h : year;
            }
        }

        first ??= low;
        last ??= high;
        if (first is not { } from || last is not { } to || to < from)
        {
            return (first ?? 0, 0);
        }

        if (to - from >= SeriesQuery.MaxYears)
        {
            throw new CountOptionsException(nameof(SeriesQuery.Filter.Years), string.Create(CultureInfo.InvariantCulture,
                $"the series would span {from}-{to}, more than {SeriesQuery.MaxYears:N0} years: give --years"));
        }

        return (from, (int)(to - from + 1));
    }

    /// <summary>
    /// Each year's count over the year's total. A year the totals lack is 0 where there is no
    /// count, as in the Viewer (its English totals skip years such as 1502); a count there is an error.
    /// </summary>
    private static double[] Divide(string key, long[] counts, long first, TotalCounts totals)
    {
        var frequencies = new double[counts.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }

            long year = first + i;
            if (!totals.TryGetTotal(year, out long total) || total == 0)
            {
                throw new TallyDataException(totals.Name, null, string.Create(CultureInfo.InvariantCulture,
                    $"has no total for {year}, where \"{Formats.KeyText.Printable(key)}\" has a match_count of {counts[i]}: are these totals for this corpus?"));
            }

            frequencies[i] = (double)counts[i] / total;
        }

        return frequencies;
    }

    /// <summary>A value as stdout prints it: an integer for a count, otherwise the shortest text that reads back to the same double.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
