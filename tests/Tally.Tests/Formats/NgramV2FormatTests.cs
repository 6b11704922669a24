using System.Text;
using Tally.Formats.NgramV2;
using Tally.Mapping;
using Tally.Testing;
using Tally.Tests.Support;

namespace Tally.Tests.Formats;

/// <summary>The format contract for Ngram v2, against the reference count and the reference judge of malformed rows.</summary>
public sealed class NgramV2FormatTests : FormatContractTests
{
    private static readonly string[] s_malformed =
    [
        "x\t1999\t-5\t1", "x\t1999", "\t1999\t5\t1", "x\t19x9\t5\t1", "x\t1999\t9223372036854775808\t1", "x\t1999\t5\t1\t9", "",
    ];

    protected override MapStep FormatStep => NgramV2MapStep.Instance;

    /// <summary>The pipeline, also folding every table on arrival at odd worker counts (an internal hook).</summary>
    protected override CountOptions JobOptions(int workers, int blockSize) => ReferenceEquivalenceTests.Pipeline(workers, blockSize);

    protected override string? EmptyLineReason => "empty line";

    protected override IReadOnlyList<(byte[] Line, string Reason)> MalformedLines
        => [.. s_malformed.Select(line =>
        {
            // The reason as the independent judge of docs/design.md words it.
            byte[] bytes = Encoding.UTF8.GetBytes(line);
            return (bytes, ReferenceRows.Lines([.. bytes, (byte)'\n']).Single().Problem!);
        })];

    protected override byte[] RandomFile(int seed) => RandomNgrams.Rows(seed, ngrams: 250);

    protected override Dictionary<string, long> Reference(IEnumerable<byte[]> lines)
        => ReferenceCount.Count(lines.Select(line => (byte[])[.. line, (byte)'\n']));
}
