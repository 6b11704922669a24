using Tally.Aggregation;
using Tally.Formats.NgramV2;
using Tally.Mapping;
using Tally.Parsing;
using Tally.Testing;

namespace Tally.Tests;

/// <summary>The public map-step pieces on their own: names, the registry, and how a step reports a bad line.</summary>
public sealed class MapStepTests
{
    [Theory]
    [InlineData("")]
    [InlineData("Ngram")]
    [InlineData("word count")]
    [InlineData("ngram/v2")]
    [InlineData("x12345678901234567890123456789012345678901234567890123456789012345")]
    public void Name_OutsideTheAllowedCharactersOrLength_IsRejected(string name)
        => Assert.Throws<ArgumentException>(() => new NamedStep(name));

    [Fact]
    public void Registry_WithBuiltIns_HasNgramV2_AndRefusesASecondStepOfTheSameName()
    {
        var registry = MapStepRegistry.WithBuiltIns().Add(new WordCountStep());

        Assert.Equal(["auto", "ngram-v2", "ngram-v3", "series", "tsv", "word-count", "words"], registry.Names);
        Assert.True(registry.TryGet("ngram-v2", out var step));
        Assert.Same(NgramV2MapStep.Instance, step);
        Assert.Throws<ArgumentException>(() => registry.Add(new WordCountStep()));
        Assert.False(registry.TryGet("word-count ", out _));
    }

    [Fact]
    public void Registry_Replace_SwapsTheStepOfThatName()
    {
        var replacement = new NamedStep("ngram-v2");

        var registry = MapStepRegistry.WithBuiltIns().Replace(replacement);

        Assert.True(registry.TryGet("ngram-v2", out var step));
        Assert.Same(replacement, step);
    }

    [Fact]
    public void Malformed_WithoutASink_ThrowsWithTheLineNumberOfThatLine()
    {
        var context = new MapContext("data/x.txt", 41);

        var error = Assert.Throws<TallyDataException>(() => context.Malformed("one\ntwo\nthree\n"u8, 8, "bad"));

        Assert.Equal("data/x.txt:43: bad", error.Message);
        Assert.Equal(43, error.Line);
    }

    [Fact]
    public void Malformed_WithASink_RecordsTheLineWithoutItsNewline_AndReturns()
    {
        var rejects = new RejectSink();
        var context = new MapContext("x", 1, rejects);

        context.Malformed("one\ntwo\nthree"u8, 4, "bad");
        context.Malformed("one\ntwo\nthree"u8, 8, "worse");

        Assert.Equal(2, rejects.Count);
        Assert.Equal([(2L, "bad", "two"), (3L, "worse", "three")], rejects.Rows.Select(r => (r.Line, r.Reason, System.Text.Encoding.UTF8.GetString(r.Text))));
    }

    [Fact]
    public void NgramV2Step_EqualsTheReferenceOnABlock()
    {
        var rows = RandomNgrams.Rows(seed: 4, ngrams: 500);
        var table = new CountTable();

        long counted = NgramV2MapStep.Instance.Map(rows, table, new MapContext("x", 1));

        Assert.Equal(rows.AsSpan().Count((byte)'\n'), counted);
        var reference = ReferenceCount.Count([rows]);
        Assert.Equal(reference.Count, table.Count);
        Assert.All(reference, pair => Assert.Equal(pair.Value, table.Get(System.Text.Encoding.Latin1.GetBytes(pair.Key))));
    }

    private sealed class NamedStep(string name) : MapStep(name)
    {
        public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context) => 0;
    }
}
