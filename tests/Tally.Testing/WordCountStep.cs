using Tally.Aggregation;
using Tally.Mapping;

namespace Tally.Testing;

/// <summary>
/// A map step a library user might write: every space-separated word of a text line adds 1 to its
/// total; a line holding a NUL byte is not text. The README shows this class as its example; keep them the same.
/// </summary>
public sealed class WordCountStep : MapStep
{
    public WordCountStep()
        : base("word-count")   // the name worker processes know it by
    {
    }

    public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
    {
        long lines = 0;
        int offset = 0;
        while (offset < block.Length)
        {
            var rest = block[offset..];
            int end = rest.IndexOf((byte)'\n');
            var line = (end < 0 ? rest : rest[..end]).TrimEnd((byte)'\r');
            int next = offset + (end < 0 ? rest.Length : end + 1);
            if (line.Contains((byte)0))
            {
                context.Malformed(block, offset, "a NUL byte: this is not text");   // throws "path:line: ..."
                offset = next;   // in skip mode it returns: leave the line out
                continue;
            }

            foreach (var word in line.Split((byte)' '))
            {
                if (!line[word].IsEmpty)
                {
                    table.Add(line[word], 1);
                }
            }

            lines++;
            offset = next;
        }

        return lines;
    }
}
