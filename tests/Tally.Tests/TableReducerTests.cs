using Tally.Aggregation;
using Tally.Engine;

namespace Tally.Tests;

/// <summary>When the job hands finished sources' tables over unmerged, and when it folds them.</summary>
public sealed class TableReducerTests
{
    [Fact]
    public void Finish_TablesUnderTheBudget_StayApart()
    {
        var result = new TableReducer(unfoldedBytes: 1L << 30);
        var a = Table(("x", 1), ("y", 2));
        var b = Table(("x", 3));
        result.Add(a, "a");
        result.Add(b, "b");

        var tables = result.Finish();

        Assert.Equal([a, b], tables);
    }

    [Fact]
    public void Add_PastTheBudget_FoldsIntoTheLargestTable()
    {
        var small = Table(("x", 1));
        var large = Table(64, ("x", 2), ("y", 3), ("z", 4));
        var result = new TableReducer(unfoldedBytes: small.Footprint + large.Footprint - 1);
        result.Add(small, "a");
        result.Add(large, "b");

        var tables = result.Finish();

        var table = Assert.Single(tables);
        Assert.Same(large, table);
        Assert.Equal(3, table.Count);
        Assert.Equal(3, table.Get("x"u8));
    }

    [Fact]
    public void Add_UnderTheFoldedTablesSize_WaitsUnfolded()
    {
        // Once a table is folded, waiting tables may take as much memory as it does.
        var result = new TableReducer(unfoldedBytes: 1);
        var big = new CountTable(capacity: 1 << 12);
        for (int i = 0; i < 1000; i++)
        {
            big.Add(BitConverter.GetBytes(i), 1);
        }

        result.Add(big, "a");
        var later = Table(("x", 1));
        result.Add(later, "b");

        Assert.Equal([big, later], result.Finish());
    }

    [Fact]
    public void Add_LargestTotalsCouldOverflow_FoldsAndNamesTheSource()
    {
        var result = new TableReducer(unfoldedBytes: 1L << 30);
        result.Add(Table(("big", long.MaxValue - 5), ("other", 1)), "first");
        result.Add(Table(("other", long.MaxValue - 5)), "second");

        var error = Assert.Throws<TallyDataException>(() => result.Add(Table(("big", 6)), "third"));

        Assert.Equal("third", error.Source);
        Assert.Contains("\"big\" passes 2^63-1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Finish_LargestTotalsSumPastLongButNoKeyDoes_FoldsWithoutError()
    {
        var result = new TableReducer(unfoldedBytes: 1L << 30);
        result.Add(Table(("a", long.MaxValue - 5)), "first");
        result.Add(Table(("b", long.MaxValue - 5), ("a", 5)), "second");

        var table = Assert.Single(result.Finish());

        Assert.Equal(long.MaxValue, table.Get("a"u8));
        Assert.Equal(long.MaxValue - 5, table.Get("b"u8));
    }

    [Fact]
    public void Add_FoldingOnArrival_FoldsEveryTableAsItComes_WhateverTheBudget()
    {
        // An executor whose map runs elsewhere: nothing may be left to fold at the end.
        var result = new TableReducer(unfoldedBytes: 1L << 30, foldOnArrival: true);
        var first = Table(("x", 1), ("y", 2));
        result.Add(first, "a");
        result.Add(Table(("x", 3), ("z", 4)), "b");
        result.Add(Table(("w", 5)), "c");

        var table = Assert.Single(result.Finish());

        Assert.Same(first, table);
        Assert.Equal(4, table.Count);
        Assert.Equal(4, table.Get("x"u8));
        Assert.Equal(2, table.Get("y"u8));
        Assert.Equal(4, table.Get("z"u8));
        Assert.Equal(5, table.Get("w"u8));
    }

    [Fact]
    public void Finish_Nothing_GivesOneEmptyTable()
    {
        var table = Assert.Single(new TableReducer().Finish());

        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void MaxTotal_FollowsTheLargestTotal()
    {
        var table = new CountTable(capacity: 2);
        Assert.Equal(0, table.MaxTotal);
        table.Add("a"u8, 5);
        table.Add("b"u8, 3);
        table.Add("b"u8, 4);
        Assert.Equal(7, table.MaxTotal);
        for (int i = 0; i < 100; i++)
        {
            table.Add(BitConverter.GetBytes(i), 1);
        }

        Assert.Equal(7, table.MaxTotal);
    }

    private static CountTable Table(params (string Key, long Total)[] entries) => Table(4, entries);

    private static CountTable Table(int capacity, params (string Key, long Total)[] entries)
    {
        var table = new CountTable(capacity);
        foreach (var (key, total) in entries)
        {
            table.Add(System.Text.Encoding.UTF8.GetBytes(key), total);
        }

        return table;
    }
}
