using System.Text;
using BenchmarkDotNet.Attributes;
using Tally.Aggregation;

namespace Tally.Benchmarks;

/// <summary>The hash table: inserting new keys, updating existing ones, and merging two tables.</summary>
[MemoryDiagnoser]
public class TableBenchmarks
{
    private byte[][] _keys = [];
    private CountTable _full = new();
    private CountTable _half = new();

    [Params(300_000)]
    public int Keys { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        _keys = [.. Enumerable.Range(0, Keys).Select(i => Encoding.UTF8.GetBytes($"w{random.Next():x}{i}_NOUN"[..Math.Min(16, 6 + (i % 11))]))];
        _full = new CountTable();
        _half = new CountTable();
        for (int i = 0; i < _keys.Length; i++)
        {
            _full.Add(_keys[i], i);
            if (i % 2 == 0)
            {
                _half.Add(_keys[i], i);
            }
        }
    }

    [Benchmark(Description = "insert new keys")]
    public int Insert()
    {
        var table = new CountTable();
        foreach (byte[] key in _keys)
        {
            table.Add(key, 1);
        }

        return table.Count;
    }

    [Benchmark(Description = "update existing keys")]
    public int Update()
    {
        foreach (byte[] key in _keys)
        {
            _full.Add(key, 1);
        }

        return _full.Count;
    }

    [Benchmark(Description = "merge a half-overlapping table")]
    public int Merge()
    {
        var into = new CountTable();
        into.MergeFrom(_full);
        into.MergeFrom(_half);
        return into.Count;
    }
}
