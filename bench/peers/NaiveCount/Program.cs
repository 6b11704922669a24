// The C# a developer would write to total Google Books Ngram v2 files without Tally.
//
//   NaiveCount dict|plinq FILE... [--out TOTALS.tsv] [--word WORD]
//
// dict:  one file after another, File.ReadLines (a StreamReader over a GZipStream for .gz),
//        string.Split on TAB, a Dictionary<string, long> with checked sums.
// plinq: the lines of all files, AsParallel().GroupBy(ngram).Select(sum).
// --out writes `ngram TAB total` rows (unordered); --word prints `WORD TAB total` (0 when absent).
using System.Globalization;
using System.IO.Compression;
using System.Text;

if (args.Length < 2 || args[0] is not ("dict" or "plinq"))
{
    return Usage();
}

var files = new List<string>();
string? outPath = null;
string? word = null;
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out" or "-o" when i + 1 < args.Length:
            outPath = args[++i];
            break;
        case "--word" when i + 1 < args.Length:
            word = args[++i];
            break;
        case var option when option.StartsWith('-'):
            return Usage();
        default:
            files.Add(args[i]);
            break;
    }
}

if (files.Count == 0 || (outPath is null && word is null))
{
    return Usage();
}

IReadOnlyDictionary<string, long> totals = args[0] == "dict" ? CountWithDictionary(files) : CountWithPlinq(files);

if (word is not null)
{
    Console.WriteLine($"{word}\t{totals.GetValueOrDefault(word).ToString(CultureInfo.InvariantCulture)}");
}

if (outPath is not null)
{
    using var writer = new StreamWriter(outPath, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
    foreach ((string ngram, long total) in totals)
    {
        writer.WriteLine($"{ngram}\t{total.ToString(CultureInfo.InvariantCulture)}");
    }
}

return 0;

static Dictionary<string, long> CountWithDictionary(List<string> files)
{
    var totals = new Dictionary<string, long>(StringComparer.Ordinal);
    foreach (string path in files)
    {
        foreach (string line in ReadLines(path))
        {
            string[] fields = line.Split('\t');
            long count = long.Parse(fields[2], CultureInfo.InvariantCulture);
            totals[fields[0]] = checked(totals.GetValueOrDefault(fields[0]) + count);
        }
    }

    return totals;
}

static Dictionary<string, long> CountWithPlinq(List<string> files) =>
    files
        .SelectMany(ReadLines)
        .AsParallel()
        .Select(line => line.Split('\t'))
        .GroupBy(fields => fields[0], StringComparer.Ordinal)
        .Select(group => (Ngram: group.Key, Total: group.Sum(fields => long.Parse(fields[2], CultureInfo.InvariantCulture))))
        .ToDictionary(pair => pair.Ngram, pair => pair.Total, StringComparer.Ordinal);

static IEnumerable<string> ReadLines(string path)
{
    if (!path.EndsWith(".gz", StringComparison.Ordinal))
    {
        foreach (string line in File.ReadLines(path))
        {
            yield return line;
        }

        yield break;
    }

    using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress), Encoding.UTF8);
    while (reader.ReadLine() is { } line)
    {
        yield return line;
    }
}

static int Usage()
{
    Console.Error.WriteLine("usage: NaiveCount dict|plinq FILE... [--out TOTALS.tsv] [--word WORD]");
    return 2;
}
