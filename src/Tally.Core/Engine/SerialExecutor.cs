using System.Buffers;
using System.Threading.Channels;
using Tally.Aggregation;
using Tally.Mapping;
using Tally.Sources;

namespace Tally.Engine;

/// <summary>
/// Counts every source in turn on the calling task: no channels, no workers. For small inputs,
/// where starting a pipeline costs more than it gives.
/// </summary>
internal sealed class SerialExecutor : ISourceExecutor
{
    public static SerialExecutor Instance { get; } = new();

    public async Task RunAsync(JobContext context, ChannelWriter<SourceState> finished, CancellationToken cancellationToken)
    {
        var options = context.Options;
        foreach (var source in context.Sources)
        {
            var table = source.WorkerTables[0] = new CountTable();
            using (var reader = await BlockReader.OpenAsync(source.Source, options.BlockSize, options.MaxLineLength, cancellationToken).ConfigureAwait(false))
            {
                source.BeginReading(reader, context.Elapsed);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } block)
                {
                    try
                    {
                        long rows = options.MapStep.Map(block.Span, table, new MapContext(source.Name, block.FirstLine));
                        source.AddCounted(rows, block.Length);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(block.Buffer);
                    }
                }

                source.EndReading(reader);
            }

            finished.TryWrite(source);
        }
    }
}
