using BenchmarkDotNet.Attributes;
using Tally.Aggregation;
using Tally.Formats.NgramV2;

namespace Tally.Benchmarks;

/// <summary>The v2 parser on 2 million generated rows: rows per second on one core, table included.</summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private byte[] _data = [];
    private List<(int Start, int Length)> _blocks = [];

    [GlobalSetup]
    public void Setup()
    {
        _data = BenchData.File1;
        _blocks = BenchData.Blocks(_data);
    }

    [Benchmark(Description = "NgramV2Parser.Parse, 2M rows")]
    public long Parse()
    {
        var table = new CountTable();
        long rows = 0;
        foreach (var (start, length) in _blocks)
        {
            rows += NgramV2Parser.Parse(_data.AsSpan(start, length), table, "bench", 1);
        }

        return rows;
    }

    [Benchmark(Baseline = true, Description = "newline count (memory floor)")]
    public long CountNewlines()
    {
        long lines = 0;
        foreach (var (start, length) in _blocks)
        {
            lines += _data.AsSpan(start, length).Count((byte)'\n');
        }

        return lines;
    }
}
