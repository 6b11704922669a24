using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Tally.Formats.Filters;

namespace Tally.Tests.Formats;

/// <summary>Seeded Ngram data written as v2 and as v3 from one model, and the simplest reference of what each filter gives.</summary>
internal static partial class FilterData
{
    // Cases, tags (tagged, pure, near misses), commas, non-ASCII letters whose cases fold (É/é, Σ/σ) and one that does not (ς).
    private static readonly string[] s_pieces =
        ["a", "b", "A", "B", "É", "é", "Σ", "σ", "ς", "9,000", "_NOUN", "_VERB", "_.", "_X", "_ADJ", "_NOUN_", "_START_", "_END_", "_x", "İ", "ß"];

    public sealed record Ngram(byte[] Key, List<(long Year, long Count)> Years);

    public static List<Ngram> Model(int seed, int ngrams)
    {
        var random = new Random(seed);
        var model = new Dictionary<string, Ngram>(StringComparer.Ordinal);
        while (model.Count < ngrams)
        {
            int tokens = random.Next(1, 4);
            var text = new StringBuilder();
            for (int t = 0; t < tokens; t++)
            {
                if (t > 0)
                {
                    text.Append(' ');
                }

                int pieces = random.Next(1, 4);
                for (int p = 0; p < pieces; p++)
                {
                    text.Append(s_pieces[random.Next(s_pieces.Length)]);
                }
            }

            byte[] key = Encoding.UTF8.GetBytes(text.ToString());
            if (random.Next(12) == 0)
            {
                // Invalid UTF-8, with a capital after it: the invalid bytes stay, the letter folds.
                key = [.. key, 0xFF, (byte)'Q', 0xC3];
            }

            var years = new List<(long, long)>();
            long year = random.Next(1700, 2015);
            int count = random.Next(1, 9);
            for (int y = 0; y < count; y++)
            {
                years.Add((year + y, random.Next(20) == 0 ? 3_000_000_000L + random.Next(1000) : random.Next(0, 50_000)));
            }

            model[Encoding.Latin1.GetString(key)] = new Ngram(key, years);
        }

        var list = model.Values.ToList();
        list.Sort((x, y) => x.Key.AsSpan().SequenceCompareTo(y.Key));
        return list;
    }

    public static byte[] V2(IEnumerable<Ngram> model)
    {
        var output = new MemoryStream();
        foreach (var ngram in model)
        {
            foreach (var (year, count) in ngram.Years)
            {
                output.Write(ngram.Key);
                output.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\t{year}\t{count}\t{(count % 97) + 1}\n")));
            }
        }

        return output.ToArray();
    }

    public static byte[] V3(IEnumerable<Ngram> model)
    {
        var output = new MemoryStream();
        foreach (var ngram in model)
        {
            output.Write(ngram.Key);
            foreach (var (year, count) in ngram.Years)
            {
                output.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\t{year},{count},{(count % 97) + 1}")));
            }

            output.WriteByte((byte)'\n');
        }

        return output.ToArray();
    }

    /// <summary>What a count under <paramref name="filter"/> must give, keyed by Latin-1.</summary>
    public static Dictionary<string, long> Reference(IEnumerable<Ngram> model, NgramFilter filter)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var ngram in model)
        {
            if (!TagsPass(Encoding.Latin1.GetString(ngram.Key), filter.Tags))
            {
                continue;
            }

            var counted = ngram.Years.Where(y => filter.Years is not { } range || (y.Year >= range.From && y.Year <= range.To)).ToList();
            if (counted.Count == 0)
            {
                continue;
            }

            string key = Encoding.Latin1.GetString(filter.IgnoreCase ? Fold(ngram.Key) : ngram.Key);
            totals[key] = checked(totals.GetValueOrDefault(key) + counted.Sum(y => y.Count));
        }

        return totals;
    }

    /// <summary>Lower case per scalar, culture-invariant; invalid bytes copied.</summary>
    public static byte[] Fold(byte[] key)
    {
        var output = new List<byte>();
        var rest = key.AsSpan();
        Span<byte> encoded = stackalloc byte[4];
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(rest, out var rune, out int used) == OperationStatus.Done)
            {
                output.AddRange(encoded[..Rune.ToLowerInvariant(rune).EncodeToUtf8(encoded)].ToArray());
            }
            else
            {
                output.AddRange(rest[..used].ToArray());
            }

            rest = rest[used..];
        }

        return [.. output];
    }

    private static bool TagsPass(string key, TagFilter filter)
    {
        string[] tokens = key.Split(' ');
        bool tagged = tokens.Any(t => Tagged().IsMatch(t));
        bool pure = tokens.Any(t => Pure().IsMatch(t));
        return filter switch
        {
            TagFilter.Drop => !tagged && !pure,
            TagFilter.Only => tagged,
            _ => true,
        };
    }

    [GeneratedRegex(@"^.+_(NOUN|VERB|ADJ|ADV|PRON|DET|ADP|NUM|CONJ|PRT|X|\.)$", RegexOptions.Singleline)]
    private static partial Regex Tagged();

    [GeneratedRegex(@"^_(NOUN|VERB|ADJ|ADV|PRON|DET|ADP|NUM|CONJ|PRT|X|\.|START|END|ROOT)_$", RegexOptions.Singleline)]
    private static partial Regex Pure();
}
