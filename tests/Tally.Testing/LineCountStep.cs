using Tally.Aggregation;
using Tally.Mapping;

namespace Tally.Testing;

/// <summary>
/// The README's worker-processes example step: every line adds 1 to the one key "lines". The README
/// shows this class; keep them the same.
/// </summary>
public sealed class LineCountStep() : MapStep("line-count")
{
    public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
    {
        // Every line ends in '\n' but perhaps the last line of a source.
        long lines = block.Count((byte)'\n') + (block.IsEmpty || block[^1] == (byte)'\n' ? 0 : 1);
        table.Add("lines"u8, lines);
        return lines;
    }
}
