using System.Buffers;
using System.Threading.Channels;
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
        foreach (var source in context.Sources)
        {
            try
            {
                await CountSourceAsync(context, source, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (context.LeavesOut(e, cancellationToken))
            {
                source.Fail(e);
            }

            // Nothing else holds the source: it is finished once its reader is.
            source.Release();
            finished.TryWrite(source);
        }
    }

    private static async Task CountSourceAsync(JobContext context, SourceState source, CancellationToken cancellationToken)
    {
        var options = context.Options;
        using var reader = await BlockReader.OpenAsync(source.Source, options.BlockSize, options.MaxLineLength, cancellationToken).ConfigureAwait(false);
        source.BeginReading(reader, context.Elapsed);
        try
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } block)
            {
                try
                {
                    BlockCounter.Count(context, source, 0, block);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(block.Buffer);
                }
            }
        }
        finally
        {
            source.EndReading(reader);
        }
    }
}
