namespace Tally.Patterns.Tests;

/// <summary>
/// Python: <c>v = Value('i', 0)</c> shared by processes that each run <c>v.value = v.value + 1</c>.
/// The read and the write are separate steps, so two workers can read the same value and one update
/// is lost; <c>with v.get_lock():</c> fixes it. In .NET the same race exists between threads;
/// <see cref="Interlocked"/> fixes it without a lock, and <c>lock</c> fixes it with one.
/// </summary>
public sealed class SharedCounterTests
{
    private const int Threads = 8;

    /// <summary>Few, because each increment in the race test yields the processor once.</summary>
    private const int RacyIncrementsPerThread = 200;

    /// <summary>Many, because the exact counters are checked under heavy contention.</summary>
    private const int IncrementsPerThread = 20_000;

    private const int Expected = Threads * IncrementsPerThread;

    /// <summary>Bounds the retries of the race demonstration; in practice the first round loses updates.</summary>
    private const int MaxRounds = 20;

    [Fact]
    public void UnsynchronisedReadModifyWrite_LosesUpdates()
    {
        const int RacyExpected = Threads * RacyIncrementsPerThread;
        int lowest = RacyExpected;
        for (int round = 0; round < MaxRounds && lowest == RacyExpected; round++)
        {
            int counter = 0;
            RunTogether(() =>
            {
                for (int i = 0; i < RacyIncrementsPerThread; i++)
                {
                    // Volatile makes each step a real memory access, but not the pair atomic: the
                    // yield between them is the window in which another thread's update is lost.
                    int seen = Volatile.Read(ref counter);
                    Thread.Yield();
                    Volatile.Write(ref counter, seen + 1);
                }
            });
            lowest = Math.Min(lowest, counter);
        }

        Assert.True(lowest < RacyExpected, $"No update was lost in {MaxRounds} rounds.");
    }

    [Fact]
    public void InterlockedIncrement_NeverLosesAnUpdate()
    {
        int counter = 0;
        RunTogether(() =>
        {
            for (int i = 0; i < IncrementsPerThread; i++)
            {
                Interlocked.Increment(ref counter);
            }
        });

        Assert.Equal(Expected, counter);
    }

    [Fact]
    public void LockAroundReadModifyWrite_NeverLosesAnUpdate()
    {
        var gate = new Lock();
        int counter = 0;
        RunTogether(() =>
        {
            for (int i = 0; i < IncrementsPerThread; i++)
            {
                lock (gate)
                {
                    // The same read-modify-write with a window in the middle, now inside the lock.
                    // The window spins rather than yields: a thread that yields while holding the
                    // lock stalls all the others for a whole time slice on a loaded machine.
                    int seen = counter;
                    Thread.SpinWait(10);
                    counter = seen + 1;
                }
            }
        });

        Assert.Equal(Expected, counter);
    }

    [Fact]
    public void InterlockedAdd_KeepsA64BitTotalExactPast32Bits()
    {
        // Ngram totals pass 2^32: a shared total must be a long, added atomically.
        const long PerAdd = 3_000_000_000;
        long total = 0;
        RunTogether(() =>
        {
            for (int i = 0; i < IncrementsPerThread; i++)
            {
                Interlocked.Add(ref total, PerAdd);
            }
        });

        Assert.Equal(PerAdd * Expected, total);
    }

    /// <summary>Runs <paramref name="body"/> on <see cref="Threads"/> dedicated threads released at the same moment.</summary>
    private static void RunTogether(Action body)
    {
        using var start = new ManualResetEventSlim();
        var threads = Enumerable.Range(0, Threads)
            .Select(_ => new Thread(() =>
            {
                start.WaitOrFail();
                body();
            }))
            .ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        start.Set();
        foreach (var thread in threads)
        {
            thread.Join();
        }
    }
}
