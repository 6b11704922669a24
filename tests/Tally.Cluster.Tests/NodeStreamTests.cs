namespace Tally.Cluster.Tests;

/// <summary>A node's report stream: a wait on a hung node ends with the token, and the enumerator is disposed only after its pending MoveNext, never waited for.</summary>
public sealed class NodeStreamTests
{
    [Fact]
    public async Task Reports_ComeInOrder_ThenTheEnd()
    {
        var node = new FakeNode();
        var stream = new NodeStream<int>(node);
        foreach (int value in new[] { 1, 2 })
        {
            var next = stream.MoveNextAsync(CancellationToken.None);
            node.Answer(true, value);
            Assert.True(await next);
            Assert.Equal(value, stream.Current);
        }

        var end = stream.MoveNextAsync(CancellationToken.None);
        node.Answer(false, 0);
        Assert.False(await end);
    }

    [Fact]
    public async Task AWaitOnAHungNode_EndsWithTheToken_AndTheDisposeWaitsForTheMoveNext()
    {
        var node = new FakeNode();
        var stream = new NodeStream<int>(node);
        using var dead = new CancellationTokenSource();

        // The node never answers: the wait must end when the token does, not when the node does.
        var waiting = stream.MoveNextAsync(dead.Token);
        await Task.Delay(20);
        Assert.False(waiting.IsCompleted);
        await dead.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));

        // Let go while the MoveNext still runs: Abandon returns at once, and the dispose, a call to
        // the node too, must not overlap the MoveNext.
        stream.Abandon();
        await Task.Delay(50);
        Assert.Equal(0, node.Disposals);

        node.Answer(true, 7);
        await node.Disposed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, node.Disposals);
        Assert.False(node.Overlapped);
    }

    [Fact]
    public async Task AStreamLetGoBetweenReports_IsDisposedAtOnce_AndItsFailureIsObserved()
    {
        var node = new FakeNode { DisposeFails = true };
        var stream = new NodeStream<int>(node);
        var next = stream.MoveNextAsync(CancellationToken.None);
        node.Answer(true, 1);
        Assert.True(await next);

        // Only this test's failure counts: a task left by another test may be collected here too.
        var unobserved = 0;
        EventHandler<UnobservedTaskExceptionEventArgs> count = (_, e) =>
        {
            if (e.Exception.InnerExceptions.Any(x => x.Message == FakeNode.Failure))
            {
                Interlocked.Increment(ref unobserved);
            }
        };
        TaskScheduler.UnobservedTaskException += count;
        try
        {
            stream.Abandon();
            await node.Disposed.WaitAsync(TimeSpan.FromSeconds(10));
            await Task.Delay(50);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Assert.Equal(1, node.Disposals);
            Assert.Equal(0, unobserved);
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= count;
        }
    }

    /// <summary>A node's enumerator whose every MoveNext waits until the test answers it.</summary>
    private sealed class FakeNode : IAsyncEnumerator<int>
    {
        public const string Failure = "the node is gone";

        private readonly Lock _lock = new();
        private TaskCompletionSource<bool>? _moving;
        private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool DisposeFails { get; init; }

        public int Current { get; private set; }

        public int Disposals { get; private set; }

        public bool Overlapped { get; private set; }

        public Task Disposed => _disposed.Task;

        public ValueTask<bool> MoveNextAsync()
        {
            lock (_lock)
            {
                _moving = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                return new ValueTask<bool>(_moving.Task);
            }
        }

        public void Answer(bool more, int value)
        {
            TaskCompletionSource<bool>? moving;
            lock (_lock)
            {
                moving = _moving;
                _moving = null;
                Current = value;
            }

            // The stream starts the node's MoveNext before its first wait, so there is one to answer.
            (moving ?? throw new InvalidOperationException("the stream asked for no report")).SetResult(more);
        }

        public ValueTask DisposeAsync()
        {
            lock (_lock)
            {
                Overlapped |= _moving is not null;
                Disposals++;
            }

            _disposed.TrySetResult();
            return DisposeFails ? ValueTask.FromException(new InvalidOperationException(Failure)) : ValueTask.CompletedTask;
        }
    }
}
