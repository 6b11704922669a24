using System.Globalization;
using System.Text.RegularExpressions;

namespace Tally.Series;

/// <summary>
/// A Google total-counts file: the match_count of every ngram of one length per year, the
/// denominator of the Ngram Viewer's relative frequency.
/// </summary>
/// <remarks>
/// <para>
/// Both releases write it the same way, unlike their ngram rows: one line of records
/// <c>year,match_count,page_count,volume_count</c>, each after a TAB (the 2012 file,
/// <c>googlebooks-eng-all-totalcounts-20120701.txt</c>, and the 2020 <c>totalcounts-1</c> to
/// <c>totalcounts-5</c>). Records are read between any whitespace, so a copy with one record
/// per line reads the same; a record with 3 fields (no page_count) is accepted too.
/// </para>
/// <para>
/// A 2020 file is named for its ngram length (<c>totalcounts-2</c>, or <c>totalcounts_2.txt</c> as
/// some mirrors save it); <see cref="N"/> is that length, or the one declared when read. The 2012
/// release has a single file, for 1-grams, named for its date: its <see cref="N"/> is null, and it
/// is taken for whatever length it is given.
/// </para>
/// </remarks>
public sealed partial class TotalCounts
{
    private readonly Dictionary<long, long> _byYear;

    private TotalCounts(string name, int? n, Dictionary<long, long> byYear)
    {
        Name = name;
        N = n;
        _byYear = byYear;
        FirstYear = byYear.Count == 0 ? 0 : byYear.Keys.Min();
        LastYear = byYear.Count == 0 ? -1 : byYear.Keys.Max();
    }

    /// <summary>The file's name, for messages.</summary>
    public string Name { get; }

    /// <summary>The ngram length the totals are for, from the file's name or as declared; null when neither says.</summary>
    public int? N { get; }

    /// <summary>Years with a total.</summary>
    public int Count => _byYear.Count;

    /// <summary>The first year with a total (0 when none).</summary>
    public long FirstYear { get; }

    /// <summary>The last year with a total (-1 when none).</summary>
    public long LastYear { get; }

    /// <summary>The year's total match_count, when the file has the year.</summary>
    public bool TryGetTotal(long year, out long total) => _byYear.TryGetValue(year, out total);

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="n">The ngram length it is for, when the caller declares it; null to take it from the name.</param>
    /// <exception cref="TallyDataException">A record is not <c>year,match_count,page_count,volume_count</c>, or a year repeats.</exception>
    /// <exception cref="ArgumentException">The declared length differs from the one in the file's name.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TotalCounts Read(string path, int? n = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllBytes(path), path, n);
    }

    /// <summary>Reads a total-counts file's bytes.</summary>
    /// <param name="text">The file's bytes.</param>
    /// <param name="name">Its path or name: messages name it, and a name such as <c>totalcounts-2</c> says its length.</param>
    /// <param name="n">The ngram length it is for, when declared; null to take it from the name.</param>
    /// <exception cref="TallyDataException">A record is not <c>year,match_count,page_count,volume_count</c>, or a year repeats.</exception>
    /// <exception cref="ArgumentException">The declared length differs from the one in the name.</exception>
    public static TotalCounts Parse(ReadOnlySpan<byte> text, string name, int? n = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        int? named = LengthInName(name);
        if (n is { } declared && named is { } fromName && declared != fromName)
        {
            throw new ArgumentException($"{name} is named for {fromName}-grams, not {declared}-grams", nameof(n));
        }

        var byYear = new Dictionary<long, long>();
        int record = 0;
        int pos = 0;
        while (pos < text.Length)
        {
            while (pos < text.Length && IsSpace(text[pos]))
            {
                pos++;
            }

            int start = pos;
            while (pos < text.Length && !IsSpace(text[pos]))
            {
                pos++;
            }

            if (pos == start)
            {
                break;
            }

            record++;
            var field = text[start..pos];
            if (!TryRecord(field, out long year, out long total))
            {
                throw new TallyDataException(name, LineOf(text, start), string.Create(CultureInfo.InvariantCulture,
                    $"record {record}: \"{Formats.KeyText.Display(field)}\" is not year,match_count,page_count,volume_count (a total-counts file is one line of such records, each after a TAB)"));
            }

            if (!byYear.TryAdd(year, total))
            {
                throw new TallyDataException(name, LineOf(text, start), string.Create(CultureInfo.InvariantCulture, $"record {record}: the year {year} is given twice"));
            }
        }

        return new TotalCounts(name, n ?? named, byYear);
    }

    /// <summary>The ngram length in a total-counts file's name (<c>totalcounts-2</c>, <c>eng-totalcounts-3</c>, <c>totalcounts_1.txt</c>), or null.</summary>
    public static int? LengthInName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var match = NamedLength().Match(Path.GetFileName(name));
        return match.Success ? match.Groups[1].Value[0] - '0' : null;
    }

    [GeneratedRegex(@"totalcounts[-_]([1-9])(?![0-9])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NamedLength();

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static long LineOf(ReadOnlySpan<byte> text, int offset) => 1 + text[..offset].Count((byte)'\n');

    private static bool TryRecord(ReadOnlySpan<byte> field, out long year, out long total)
    {
        year = 0;
        total = 0;
        int parts = 0;
        foreach (var range in field.Split((byte)','))
        {
            var part = field[range];
            if (part.IsEmpty || part.ContainsAnyExceptInRange((byte)'0', (byte)'9') || part.Length > 18)
            {
                return false;
            }

            long value = long.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
            if (parts == 0)
            {
                year = value;
            }
            else if (parts == 1)
            {
                total = value;
            }

            parts++;
        }

        return parts is 3 or 4;
    }
}
