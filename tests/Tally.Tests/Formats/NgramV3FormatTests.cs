using System.Globalization;
using System.Text;
using Tally.Formats.Auto;
using Tally.Formats.Filters;
using Tally.Formats.NgramV3;
using Tally.Mapping;
using Tally.Testing;

namespace Tally.Tests.Formats;

/// <summary>The format contract for Ngram v3, against a reference that splits on TAB, then on commas.</summary>
public class NgramV3FormatTests : FormatContractTests
{
    protected override MapStep FormatStep => NgramV3MapStep.Instance;

    protected override CountOptions JobOptions(int workers, int blockSize) => ReferenceEquivalenceTests.Pipeline(workers, blockSize);

    protected override string? EmptyLineReason => "empty line";

    protected override IReadOnlyList<(byte[] Line, string Reason)> MalformedLines { get; } =
    [
        ("x"u8.ToArray(), "found no TAB"),
        ("\t1999,5,1"u8.ToArray(), "field 1 (ngram) is empty"),
        ("x\t1999,5"u8.ToArray(), "field 2: \"1999,5\" is not year,match_count,volume_count"),
        ("x\t1999,5,1\t2000,-5,1"u8.ToArray(), "field 3 (match_count): \"-5\" is not a non-negative integer"),
        ("x\t1999,5,1\t"u8.ToArray(), "field 3: \"\" is not year,match_count,volume_count"),
        ("x\t1999,9223372036854775808,1"u8.ToArray(), "does not fit in a signed 64-bit integer"),
        ("x\t19x9,5,1"u8.ToArray(), "field 2 (year)"),
        ("x\t1999,9223372036854775807,1\t2000,1,1"u8.ToArray(), "passes 2^63-1"),
        ("x\t1999,5,1,7"u8.ToArray(), "is not year,match_count,volume_count"),
        ("x\t1999,5,"u8.ToArray(), "field 2 (volume_count)"),
    ];

    /// <summary>v3 lines: keys with commas, tags and invalid UTF-8, and now and then a 10-digit count, a short or long year, a 20-digit volume.</summary>
    protected override byte[] RandomFile(int seed)
    {
        var random = new Random(seed);
        var output = new MemoryStream();
        foreach (var ngram in FilterData.Model(seed, 150))
        {
            output.Write(ngram.Key);
            foreach (var (year, count) in ngram.Years)
            {
                long shownYear = random.Next(30) == 0 ? random.Next(0, 999) : random.Next(30) == 0 ? random.Next(10_000, 99_999) : year;
                string volume = random.Next(40) == 0 ? "12345678901234567" : (count % 97 + 1).ToString(CultureInfo.InvariantCulture);
                output.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\t{shownYear},{count},{volume}")));
            }

            output.WriteByte((byte)'\n');
        }

        return output.ToArray();
    }

    protected override Dictionary<string, long> Reference(IEnumerable<byte[]> lines)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (byte[] line in lines)
        {
            string[] fields = Encoding.Latin1.GetString(line).Split('\t');
            long sum = fields.Skip(1).Sum(f => long.Parse(f.Split(',')[1], CultureInfo.InvariantCulture));
            totals[fields[0]] = checked(totals.GetValueOrDefault(fields[0]) + sum);
        }

        return totals;
    }
}

/// <summary>The same contract for <c>auto</c> on v3 data: every source picks v3 from its first line.</summary>
public sealed class AutoOnV3FormatTests : NgramV3FormatTests
{
    protected override MapStep FormatStep { get; } = new AutoMapStep(NgramFilter.None);

    protected override string? EmptyLineReason => AutoMapStep.NeitherReason;
}
