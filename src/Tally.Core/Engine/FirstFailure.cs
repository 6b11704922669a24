using System.Runtime.ExceptionServices;

namespace Tally.Engine;

/// <summary>Keeps the first real failure of any stage, and cancels the others.</summary>
internal sealed class FirstFailure(CancellationTokenSource stop)
{
    private Exception? _exception;

    public Exception? Exception => Volatile.Read(ref _exception);

    public Task Guard(Func<Task> stage) => WatchAsync(stage());

    public Task<T> Guard<T>(Func<Task<T>> stage) => WatchAsync(stage());

    /// <summary>Rethrows the first real failure, or cancellation when that is all there is.</summary>
    public void ThrowIfAny(CancellationToken cancellationToken)
    {
        if (Exception is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Awaits a guarded stage without throwing: its failure is already recorded.</summary>
    public static async Task QuietlyAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Recorded by Guard; ThrowIfAny reports it once every stage has stopped.
        }
    }

    private async Task WatchAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Record(e);
            throw;
        }
    }

    private async Task<T> WatchAsync<T>(Task<T> task)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Record(e);
            throw;
        }
    }

    private void Record(Exception e)
    {
        // Cancellation caused by the stop token is a consequence, not a cause.
        if (e is not OperationCanceledException)
        {
            Interlocked.CompareExchange(ref _exception, e, null);
        }

        stop.Cancel();
    }
}
