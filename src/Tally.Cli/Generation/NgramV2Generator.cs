using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Tally.Cli.Generation;

/// <summary>Shape of the synthetic Google Books Ngram v2 files written by <see cref="NgramV2Generator"/>.</summary>
internal sealed record NgramV2GeneratorOptions
{
    /// <summary>Seed of the pseudo-random stream; the same options always give the same bytes.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Rows per file, exactly.</summary>
    /// <remarks>
    /// Every ngram has at least one row and at most one row per year: when there are more ngrams
    /// than rows, the rarest are left out; more rows than the vocabulary can give (ngrams times
    /// years) is an error that asks for more base words.
    /// </remarks>
    public long Rows { get; init; } = 1_000_000;

    /// <summary>Distinct generated base words per file, before capitalised and POS-tagged variants.</summary>
    /// <remarks>Variants bring the distinct ngrams to about 2.5 per base word.</remarks>
    public int BaseWords { get; init; } = 10_000;

    /// <summary>Whether files are gzip-compressed (as the real set is) or plain text.</summary>
    public bool Gzip { get; init; } = true;

    /// <summary>First year a row may have.</summary>
    public int FirstYear { get; init; } = 1505;

    /// <summary>Last year a row may have.</summary>
    public int LastYear { get; init; } = 2008;

    /// <summary>Exponent s of the Zipf law: the ngram of rank r gets a total proportional to 1/r^s.</summary>
    public double ZipfExponent { get; init; } = 1.07;

    /// <summary>How many rows per file get a single match_count past 2^31 (4.3 to 9 billion), so totals pass 2^32.</summary>
    /// <remarks>Null means 3. The rows go to the most frequent ngrams, one row each, in their last year.</remarks>
    public long? HugeCountRows { get; init; }
}

/// <summary>What <see cref="NgramV2Generator.WriteFileAsync"/> wrote.</summary>
/// <param name="Path">The file written.</param>
/// <param name="Rows">Rows written.</param>
/// <param name="DistinctNgrams">Distinct ngrams in the file.</param>
/// <param name="Bytes">Uncompressed size in bytes.</param>
/// <param name="MaxRowCount">The largest match_count of a single row.</param>
internal sealed record NgramV2FileStats(string Path, long Rows, long DistinctNgrams, long Bytes, long MaxRowCount);

/// <summary>Writes reproducible synthetic files in the Google Books Ngram v2 1-gram format.</summary>
/// <remarks>
/// Each row is <c>ngram TAB year TAB match_count TAB volume_count</c>, rows sorted by the ngram's
/// UTF-8 bytes and then by year, as in <c>googlebooks-eng-all-1gram-20120701-a.gz</c>. Output is a
/// pure function of the options and the letter on a given runtime (setup uses Math.Pow and
/// Math.Log, whose last bit may differ between C runtimes).
/// </remarks>
internal static class NgramV2Generator
{
    private const string FileNamePrefix = "googlebooks-eng-all-1gram-20120701-";

    /// <summary>Bytes formatted before each write; large writes keep syscalls and deflate calls few.</summary>
    private const int WriteBufferSize = 1 << 20;

    /// <summary>Writes one file of ngrams that start with <paramref name="letter"/>, as the real per-letter files do.</summary>
    /// <remarks>
    /// The file's pseudo-random stream derives from the seed and the letter, so the same letter gives
    /// the same file whether written alone or as part of a set. The file is written to a temporary
    /// name in the same directory and renamed into place, so it appears whole or not at all.
    /// </remarks>
    public static async Task<NgramV2FileStats> WriteFileAsync(
        string path, char letter, NgramV2GeneratorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        char lower = NormalizeLetter(letter);

        var random = new Xoshiro256StarStar(DeriveSeed(options.Seed, lower));
        NgramEntry[] entries = VocabularyBuilder.Build(lower, options, random);
        var rows = new RowFormatter(entries, options.FirstYear, options.LastYear - options.FirstYear + 1, random);

        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        string temporaryPath = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        byte[] buffer = ArrayPool<byte>.Shared.Rent(WriteBufferSize);
        try
        {
            var file = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                // Optimal (zlib level 6, as the gzip tool uses) rather than Fastest: it costs about 4x the
                // time but gives the real files' ratio (about 1/4 here against 0.39), and inflate
                // speed, the floor of every gzip benchmark, depends on how the stream was deflated.
                Stream output = options.Gzip ? new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true) : file;
                try
                {
                    int length;
                    while ((length = rows.Fill(buffer)) > 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        await output.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    if (options.Gzip)
                    {
                        await output.DisposeAsync().ConfigureAwait(false);
                    }
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporaryPath, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporaryPath);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new NgramV2FileStats(fullPath, rows.RowsWritten, entries.Length, rows.BytesWritten, rows.MaxRowCount);
    }

    /// <summary>
    /// Writes <c>googlebooks-eng-all-1gram-20120701-{letter}.gz</c> (no <c>.gz</c> when plain) for each
    /// letter into <paramref name="directory"/>, in parallel, and returns the paths in letter order.
    /// </summary>
    /// <remarks>Repeated letters are written once; each file gets its own stream derived from the seed and its letter.</remarks>
    public static async Task<IReadOnlyList<string>> WriteSetAsync(
        string directory, string letters, NgramV2GeneratorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(letters);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);

        char[] distinct = letters.Select(NormalizeLetter).Distinct().ToArray();
        string extension = options.Gzip ? ".gz" : "";
        string[] paths = distinct
            .Select(letter => Path.GetFullPath(Path.Combine(directory, FileNamePrefix + letter + extension)))
            .ToArray();
        Directory.CreateDirectory(directory);

        // Writing a file is CPU-bound (formatting, deflate), so one file per core is the useful limit.
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        await Parallel.ForEachAsync(
            Enumerable.Range(0, distinct.Length),
            parallel,
            async (index, token) => await WriteFileAsync(paths[index], distinct[index], options, token).ConfigureAwait(false))
            .ConfigureAwait(false);
        return paths;
    }

    private static char NormalizeLetter(char letter) =>
        char.IsAsciiLetter(letter)
            ? char.ToLowerInvariant(letter)
            : throw new ArgumentException($"'{letter}' is not an ASCII letter; files are named after a-z.", nameof(letter));

    private static void Validate(NgramV2GeneratorOptions options)
    {
        if (options.Rows < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Rows, "Rows must be at least 1.");
        }

        if (options.BaseWords < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BaseWords, "BaseWords must be at least 1.");
        }

        if (options.FirstYear < 0 || options.LastYear > 9999 || options.FirstYear > options.LastYear)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), $"{options.FirstYear}-{options.LastYear}", "Years must satisfy 0 <= FirstYear <= LastYear <= 9999.");
        }

        if (!(options.ZipfExponent > 0 && double.IsFinite(options.ZipfExponent)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ZipfExponent, "ZipfExponent must be a positive number.");
        }

        if (options.HugeCountRows < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.HugeCountRows, "HugeCountRows cannot be negative.");
        }
    }

    private static ulong DeriveSeed(int seed, char letter) =>
        SplitMix64.Mix(SplitMix64.Mix((ulong)(uint)seed) ^ letter);

    /// <summary>One ngram of a file and where its rows go.</summary>
    private struct NgramEntry
    {
        public byte[] Utf8;
        public int FirstYearIndex;
        public int Years;
        public double MeanCount;
        public double VolumeShare;
        public long HugeCount;
    }

    /// <summary>Builds the sorted vocabulary of one file: words, variants, Zipf totals and year ranges.</summary>
    private static class VocabularyBuilder
    {
        /// <summary>Total of the rank-1 ngram.</summary>
        /// <remarks>
        /// Spread over the years this keeps every ordinary row far below 2^31, so only the deliberate
        /// huge rows cross it, and leaves the long tail with the short counts real files are full of.
        /// </remarks>
        private const double TopTotal = 2e9;

        /// <summary>How fast the year span shrinks with rank: span ~ rank^-0.5, before scaling to the row target.</summary>
        private const double SpanRankExponent = 0.5;

        private const double CapitalisedShare = 0.5;
        private const double TaggedCapitalisedShare = 0.3;
        private const double AccentedShare = 0.04;
        private const double AccentedInitialShare = 0.01;

        private static readonly string[] s_tags = ["_NOUN", "_VERB", "_ADJ", "_ADV", "_PRON", "_DET", "_ADP", "_NUM", "_CONJ", "_PRT"];
        private static readonly string[] s_clusters = ["st", "tr", "ch", "sh", "th", "nd", "ng", "br", "pl", "rk", "ll", "ss"];
        private const string Consonants = "bcdfghjklmnprstvwzbcdlmnrst";
        private const string Vowels = "aeiouaeioy";
        private const string AccentedInner = "éèüöäøåñçß";

        /// <summary>Real words each file contains, with the rank they are pinned to.</summary>
        /// <remarks>'a' must hold exactly "Aardvark" and "aardvark": the demo query of the origin article.</remarks>
        private static readonly Dictionary<char, (string Word, int Rank)[]> s_anchors = new()
        {
            ['a'] = [("and", 1), ("a", 2), ("and_CONJ", 3), ("as", 9), ("at", 12), ("all", 20), ("America", 150), ("aardvark", 2_000), ("Aardvark", 6_000)],
            ['b'] = [("by", 5), ("be", 7), ("but", 11), ("book", 300), ("Books", 900), ("book_NOUN", 1_200)],
            ['c'] = [("can", 10), ("could", 14), ("city", 400), ("cat", 1_500), ("Cat", 5_000), ("cat_NOUN", 2_500)],
        };

        private static readonly Dictionary<char, string> s_accentedInitials = new()
        {
            ['a'] = "áàâäå",
            ['c'] = "ç",
            ['e'] = "éèêë",
            ['i'] = "íìîï",
            ['n'] = "ñ",
            ['o'] = "óòôöø",
            ['u'] = "úùûü",
            ['y'] = "ý",
        };

        public static NgramEntry[] Build(char letter, NgramV2GeneratorOptions options, Xoshiro256StarStar random)
        {
            (string Word, int Rank)[] anchors = s_anchors.GetValueOrDefault(letter, []);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach ((string word, _) in anchors)
            {
                seen.Add(word);
            }

            var words = new List<string>(options.BaseWords * 5 / 2);
            var builder = new StringBuilder();
            for (int i = 0; i < options.BaseWords; i++)
            {
                string word;
                do
                {
                    word = NewWord(letter, random, builder);
                }
                while (!seen.Add(word));

                AddVariants(word, random, seen, words);
            }

            int[] order = RankOrder(words.Count, anchors, random);
            return Entries(words, anchors, order, options, random);
        }

        private static string NewWord(char letter, Xoshiro256StarStar random, StringBuilder builder)
        {
            builder.Clear();
            builder.Append(letter);
            int length = 3 + random.NextInt(6) + random.NextInt(5);
            while (builder.Length < length)
            {
                bool afterVowel = Vowels.Contains(builder[^1], StringComparison.Ordinal);
                if (afterVowel && random.NextDouble() < 0.15)
                {
                    builder.Append(s_clusters[random.NextInt(s_clusters.Length)]);
                }
                else
                {
                    string pool = afterVowel ? Consonants : Vowels;
                    builder.Append(pool[random.NextInt(pool.Length)]);
                }
            }

            if (random.NextDouble() < AccentedShare)
            {
                int position = 1 + random.NextInt(builder.Length - 1);
                builder[position] = AccentedInner[random.NextInt(AccentedInner.Length)];
            }

            if (s_accentedInitials.TryGetValue(letter, out string? initials) && random.NextDouble() < AccentedInitialShare)
            {
                builder[0] = initials[random.NextInt(initials.Length)];
            }

            return builder.ToString();
        }

        /// <summary>Adds the word and about 1.5 variants of it on average: capitalised and POS-tagged forms.</summary>
        private static void AddVariants(string word, Xoshiro256StarStar random, HashSet<string> seen, List<string> words)
        {
            words.Add(word);
            string? capitalised = null;
            if (random.NextDouble() < CapitalisedShare)
            {
                capitalised = char.ToUpperInvariant(word[0]) + word[1..];
                if (seen.Add(capitalised))
                {
                    words.Add(capitalised);
                }
            }

            double draw = random.NextDouble();
            int tagCount = draw < 0.4 ? 0 : draw < 0.75 ? 1 : 2;
            int firstTag = random.NextInt(s_tags.Length);
            for (int t = 0; t < tagCount; t++)
            {
                string tag = s_tags[(firstTag + t * 3) % s_tags.Length];
                if (seen.Add(word + tag))
                {
                    words.Add(word + tag);
                }

                if (capitalised is not null && random.NextDouble() < TaggedCapitalisedShare && seen.Add(capitalised + tag))
                {
                    words.Add(capitalised + tag);
                }
            }
        }

        /// <summary>
        /// Returns ngram ids by rank: generated ids (0..count-1) shuffled, anchors (count + i) placed at
        /// their pinned ranks, or last when the vocabulary is smaller than the rank.
        /// </summary>
        private static int[] RankOrder(int count, (string Word, int Rank)[] anchors, Xoshiro256StarStar random)
        {
            var order = new List<int>(count + anchors.Length);
            for (int i = 0; i < count; i++)
            {
                order.Add(i);
            }

            for (int i = count - 1; i > 0; i--)
            {
                int j = random.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }

            foreach (int a in Enumerable.Range(0, anchors.Length).OrderBy(a => anchors[a].Rank))
            {
                order.Insert(Math.Min(anchors[a].Rank - 1, order.Count), count + a);
            }

            return [.. order];
        }

        private static NgramEntry[] Entries(
            List<string> words, (string Word, int Rank)[] anchors, int[] order, NgramV2GeneratorOptions options, Xoshiro256StarStar random)
        {
            int yearCount = options.LastYear - options.FirstYear + 1;
            var spanWeights = new double[order.Length];
            for (int rank = 1; rank <= order.Length; rank++)
            {
                // An exponential jitter (mean 1) so spans vary among neighbours in rank, as real words do.
                double jitter = Math.Clamp(-Math.Log(1 - random.NextDouble()), 0.05, 4);
                spanWeights[rank - 1] = Math.Pow(rank, -SpanRankExponent) * jitter;
            }

            int[] spans = ExactSpans(SpansForRowTarget(spanWeights, yearCount, options.Rows), yearCount, options.Rows);
            order = order[..spans.Length];
            long hugeRows = Math.Min(options.HugeCountRows ?? 3, order.Length);

            var entries = new NgramEntry[order.Length];
            var keys = new string[order.Length];
            for (int rank = 1; rank <= order.Length; rank++)
            {
                int id = order[rank - 1];
                keys[rank - 1] = id < words.Count ? words[id] : anchors[id - words.Count].Word;
                int years = spans[rank - 1];
                int slack = yearCount - years;

                // Most words are still in print in the last year; the rest stopped earlier.
                int end = slack == 0 || random.NextDouble() < 0.6 ? yearCount - 1 : yearCount - 1 - random.NextInt(slack + 1);
                entries[rank - 1] = new NgramEntry
                {
                    Utf8 = Encoding.UTF8.GetBytes(keys[rank - 1]),
                    FirstYearIndex = end - years + 1,
                    Years = years,
                    MeanCount = TopTotal / Math.Pow(rank, options.ZipfExponent) / years,
                    VolumeShare = 0.05 + (0.55 * random.NextDouble()),
                    HugeCount = rank <= hugeRows ? 4_300_000_000L + (long)(random.NextDouble() * 4_700_000_000L) : 0,
                };
            }

            // Ordinal UTF-16 order equals UTF-8 byte order when no string holds a surrogate, and every
            // character used here is in the BMP; sorting strings this way is several times faster
            // than comparing byte arrays through a delegate.
            Array.Sort(keys, entries, StringComparer.Ordinal);
            return entries;
        }

        /// <summary>Scales the span weights so the spans, each in [1, years], add up to about <paramref name="rowTarget"/>.</summary>
        private static int[] SpansForRowTarget(double[] weights, int years, long rowTarget)
        {
            long RowsAt(double scale)
            {
                long total = 0;
                foreach (double weight in weights)
                {
                    total += SpanAt(weight, scale, years);
                }

                return total;
            }

            // The sum only grows with the scale, so bisection finds the smallest scale reaching the target.
            double low = 0;
            double high = 1;
            long maxRows = (long)weights.Length * years;
            while (RowsAt(high) < Math.Min(rowTarget, maxRows))
            {
                high *= 2;
            }

            for (int i = 0; i < 64; i++)
            {
                double middle = (low + high) / 2;
                if (RowsAt(middle) < rowTarget)
                {
                    low = middle;
                }
                else
                {
                    high = middle;
                }
            }

            return [.. weights.Select(weight => SpanAt(weight, high, years))];
        }

        /// <summary>
        /// The spans trimmed or stretched so they add up to exactly <paramref name="rowTarget"/>: the
        /// scaled spans are rounded, so they land near the target, not on it.
        /// </summary>
        /// <remarks>
        /// Years are taken from the rarest words first and added to the most common first, so the
        /// shape of the distribution barely moves; when even one row per word is too many, the
        /// rarest words are dropped. Spans that already hit the target are returned as they are, so
        /// a set that was exact before is the same bytes now.
        /// </remarks>
        private static int[] ExactSpans(int[] spans, int years, long rowTarget)
        {
            long total = spans.Sum(s => (long)s);
            for (int i = spans.Length - 1; i >= 0 && total > rowTarget; i--)
            {
                int cut = (int)Math.Min(spans[i] - 1, total - rowTarget);
                spans[i] -= cut;
                total -= cut;
            }

            if (total > rowTarget)
            {
                // One row each is still too many: keep the first rowTarget words by rank.
                return spans[..(int)rowTarget];
            }

            for (int i = 0; i < spans.Length && total < rowTarget; i++)
            {
                int add = (int)Math.Min(years - spans[i], rowTarget - total);
                spans[i] += add;
                total += add;
            }

            if (total < rowTarget)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(rowTarget), rowTarget, $"at most {total:N0} rows can be made from this vocabulary; give more base words");
            }

            return spans;
        }

        private static int SpanAt(double weight, double scale, int years) =>
            (int)Math.Clamp(Math.Round(weight * scale), 1, years);
    }

    /// <summary>Streams the rows of a sorted vocabulary as UTF-8 into caller buffers.</summary>
    private sealed class RowFormatter
    {
        /// <summary>Room for the fixed part of a row: four separators, a year and two 64-bit counts.</summary>
        private const int MaxRowOverhead = 4 + 11 + 20 + 20;

        private readonly NgramEntry[] _entries;
        private readonly Xoshiro256StarStar _random;

        /// <summary>The UTF-8 text of each year, by index from the first year.</summary>
        private readonly byte[][] _years;

        /// <summary>The entry whose rows are being written.</summary>
        private int _entry;

        /// <summary>Rows of the current entry already written.</summary>
        private int _yearInEntry;

        public RowFormatter(NgramEntry[] entries, int firstYear, int yearCount, Xoshiro256StarStar random)
        {
            _entries = entries;
            _random = random;
            _years = new byte[yearCount][];
            for (int i = 0; i < yearCount; i++)
            {
                _years[i] = Encoding.ASCII.GetBytes((firstYear + i).ToString(CultureInfo.InvariantCulture));
            }
        }

        public long RowsWritten { get; private set; }

        public long BytesWritten { get; private set; }

        public long MaxRowCount { get; private set; }

        /// <summary>Formats whole rows into <paramref name="buffer"/>; returns the bytes written, 0 when done.</summary>
        public int Fill(Span<byte> buffer)
        {
            int position = 0;
            while (_entry < _entries.Length)
            {
                ref NgramEntry entry = ref _entries[_entry];
                if (buffer.Length - position < entry.Utf8.Length + MaxRowOverhead)
                {
                    Debug.Assert(position > 0, "the write buffer must hold at least one row");
                    break;
                }

                int yearIndex = entry.FirstYearIndex + _yearInEntry;
                long count = entry.HugeCount != 0 && _yearInEntry == entry.Years - 1 ? entry.HugeCount : OrdinaryCount(entry, _yearInEntry);
                long volumes = 1 + (long)((count - 1) * entry.VolumeShare * (0.8 + (0.4 * _random.NextDouble())));

                entry.Utf8.CopyTo(buffer[position..]);
                position += entry.Utf8.Length;
                buffer[position++] = (byte)'\t';
                _years[yearIndex].CopyTo(buffer[position..]);
                position += _years[yearIndex].Length;
                buffer[position++] = (byte)'\t';
                Utf8Formatter.TryFormat(count, buffer[position..], out int written);
                position += written;
                buffer[position++] = (byte)'\t';
                Utf8Formatter.TryFormat(volumes, buffer[position..], out written);
                position += written;
                buffer[position++] = (byte)'\n';

                RowsWritten++;
                MaxRowCount = Math.Max(MaxRowCount, count);
                if (++_yearInEntry == entry.Years)
                {
                    _entry++;
                    _yearInEntry = 0;
                }
            }

            BytesWritten += position;
            return position;
        }

        /// <summary>A count that ramps up over the ngram's years (books grow) with noise, rounded at random so small means still vary.</summary>
        private long OrdinaryCount(in NgramEntry entry, int yearInEntry)
        {
            double ramp = 0.2 + (1.6 * (yearInEntry + 0.5) / entry.Years);
            double expected = entry.MeanCount * ramp * (0.5 + _random.NextDouble());
            return Math.Clamp((long)(expected + _random.NextDouble()), 1, int.MaxValue);
        }
    }

    /// <summary>xoshiro256** (Blackman and Vigna): small, fast, and ours, so output never depends on System.Random's algorithm.</summary>
    private sealed class Xoshiro256StarStar
    {
        private ulong _s0;
        private ulong _s1;
        private ulong _s2;
        private ulong _s3;

        public Xoshiro256StarStar(ulong seed)
        {
            // SplitMix64 expands one word into a state that is never all zero, as the authors advise.
            _s0 = SplitMix64.Next(ref seed);
            _s1 = SplitMix64.Next(ref seed);
            _s2 = SplitMix64.Next(ref seed);
            _s3 = SplitMix64.Next(ref seed);
        }

        public ulong NextUInt64()
        {
            ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
            ulong t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = ulong.RotateLeft(_s3, 45);
            return result;
        }

        /// <summary>A double in [0, 1) from the top 53 bits.</summary>
        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        /// <summary>An int in [0, <paramref name="bound"/>) by Lemire's multiply-high.</summary>
        /// <remarks>Without his rejection step the bias is below bound / 2^64, far too small to matter here.</remarks>
        public int NextInt(int bound)
        {
            Debug.Assert(bound > 0);
            return (int)Math.BigMul(NextUInt64(), (ulong)bound, out _);
        }
    }

    private static class SplitMix64
    {
        public static ulong Next(ref ulong state)
        {
            state += 0x9E3779B97F4A7C15;
            return Mix(state);
        }

        public static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }
}
