using System.Threading.Channels;

namespace Tally.Execution;

/// <summary>Hands items to a bounded channel so that an item is either taken or still the caller's, never both.</summary>
internal static class ChannelWrites
{
    /// <summary>Writes <paramref name="item"/>, waiting while the channel is full; when it throws, the item was not written.</summary>
    /// <exception cref="ChannelClosedException">The channel was completed.</exception>
    /// <remarks>
    /// Not <c>WriteAsync(item, token)</c>: on the .NET 10 runtime a write that is cancelled just as
    /// it starts to wait was seen to both throw and deliver its item (a standalone program on
    /// this machine: about one write in 70 cancelled ones). A block's buffer then went back to the
    /// pool twice, once from the writer and once from the reader that counted it, and the pool
    /// later lent one array to two blocks: wrong totals in a later job of the same process. A wait
    /// carries no item, and <c>TryWrite</c> either takes the item or leaves it with the caller.
    /// </remarks>
    public static async ValueTask WriteAsync<T>(ChannelWriter<T> channel, T item, CancellationToken cancellationToken)
    {
        while (!channel.TryWrite(item))
        {
            if (!await channel.WaitToWriteAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new ChannelClosedException();
            }
        }
    }
}
