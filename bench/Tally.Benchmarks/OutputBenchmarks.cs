using System.Text;
using BenchmarkDotNet.Attributes;
using Tally.Aggregation;
using Tally.Output;
using Tally.Output.Sorting;

namespace Tally.Benchmarks;

/// <summary>The sorted output (<c>-o</c>) of a table the size of the standard set's: sorting, then formatting the TSV, on one core or all.</summary>
/// <remarks>
/// 893 thousand distinct ngram-like keys (a capitalised or lower-case word, sometimes a POS tag),
/// about as many as the standard data set gives; the TSV goes to <see cref="Stream.Null"/> so the
/// disk is not measured.
/// </remarks>
[MemoryDiagnoser]
public class OutputBenchmarks
{
    private static readonly string[] s_tags = ["", "", "", "_NOUN", "_VERB", "_ADJ", "_ADV"];

    private CountTable _table = new();

    [Params(false, true)]
    public bool AllCores { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        _table = new CountTable();
        var word = new StringBuilder();
        while (_table.Count < 893_000)
        {
            word.Clear().Append((char)((random.Next(2) == 0 ? 'A' : 'a') + random.Next(3)));
            for (int i = random.Next(2, 10); i > 0; i--)
            {
                word.Append((char)('a' + random.Next(26)));
            }

            word.Append(s_tags[random.Next(s_tags.Length)]);
            _table.Add(Encoding.UTF8.GetBytes(word.ToString()), random.NextInt64(1, 1L << 34));
        }
    }

    [Benchmark(Description = "SortedTotals.Create")]
    public int Sort() => Sorted().Count;

    [Benchmark(Description = "sort + format TSV")]
    public async Task SortAndWrite()
    {
        var sorted = Sorted();
        var chunking = OrderedChunkWriter.Chunking.For(sorted.Count, Environment.ProcessorCount) with { Window = AllCores ? Environment.ProcessorCount * TallyDefaults.OutputChunksInFlightPerCore : 0 };
        await OrderedChunkWriter.WriteAsync(sorted, TsvRowFormat.Instance, Stream.Null, chunking, CancellationToken.None);
    }

    private SortedTotals Sorted() => AllCores ? SortedTotals.Create(_table) : SortedTotals.Create(_table, partitions: 1);
}
