using System.Collections.Concurrent;

namespace Tally.Patterns.Tests;

/// <summary>
/// Python: <c>Process(target=f).start()</c> then <c>p.join()</c> for each process in turn.
/// <c>join</c> returns nothing, and joining in submission order sees a fast worker only after every
/// slower worker started before it.
/// </summary>
public sealed class ProcessJoinTests
{
    [Fact]
    public async Task TaskOfT_ReturnsTheWorkersResult_WhereThreadJoinReturnsNothing()
    {
        // Thread.Join, like Process.join, is void: the result has to be smuggled out through a
        // variable both sides can see.
        long smuggled = 0;
        var thread = new Thread(() => smuggled = Gate.SumTo(50_000));
        thread.Start();
        thread.Join();

        long returned = await Task.Run(() => Gate.SumTo(50_000));

        Assert.Equal(Gate.SumToClosedForm(50_000), smuggled);
        Assert.Equal(Gate.SumToClosedForm(50_000), returned);
    }

    [Fact]
    public void JoiningInSubmissionOrder_SeesAFastWorkerOnlyAfterTheSlowWorkerSubmittedBeforeIt()
    {
        var finished = new ConcurrentQueue<string>();
        var observed = new List<string>();
        using var fastFinished = new ManualResetEventSlim();

        // The slow worker cannot finish before the fast one: it waits for it.
        var slow = new Thread(() =>
        {
            fastFinished.WaitOrFail();
            finished.Enqueue("slow");
        });
        var fast = new Thread(() =>
        {
            finished.Enqueue("fast");
            fastFinished.Set();
        });
        slow.Start();
        fast.Start();

        foreach (var (name, thread) in new[] { ("slow", slow), ("fast", fast) })
        {
            thread.Join();
            observed.Add(name);
        }

        Assert.Equal(["fast", "slow"], finished);
        Assert.Equal(["slow", "fast"], observed);
    }
}
