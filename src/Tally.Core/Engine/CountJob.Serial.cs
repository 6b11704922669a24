using System.Buffers;
using Tally.Aggregation;
using Tally.Parsing;
using Tally.Sources;

namespace Tally.Engine;

public sealed partial class CountJob
{
    /// <summary>
    /// Counts every source in turn on the calling task into one table: no channels, no workers,
    /// no merge. Used for small inputs, where starting a pipeline costs more than it gives.
    /// </summary>
    private async Task<CountTable> RunSerialAsync(List<SourceCompletion> completed, CancellationToken cancellationToken)
    {
        var table = new CountTable();
        foreach (var source in _sources)
        {
            using var reader = await BlockReader.OpenAsync(source.Source, _options.BlockSize, _options.MaxLineLength, cancellationToken).ConfigureAwait(false);
            source.BeginReading(reader, Elapsed);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } block)
            {
                try
                {
                    long rows = NgramV2Parser.Parse(block.Span, table, source.Name, block.FirstLine);
                    source.AddCounted(rows, block.Length);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(block.Buffer);
                }
            }

            source.EndReading(reader);
            Publish(source, completed);
        }

        return table;
    }
}
