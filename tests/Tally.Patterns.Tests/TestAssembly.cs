using System.Runtime.CompilerServices;

// The race-condition and overlap tests start threads of their own and count what runs at once;
// running test classes side by side on a 2-core machine would only add noise.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Tally.Patterns.Tests;

internal static class TestAssembly
{
    /// <summary>Gives the thread pool a few threads more than the cores before any test runs.</summary>
    /// <remarks>
    /// The test host keeps some pool threads busy, and a few tests block a pool thread on purpose (a
    /// slow item waiting for a fast one). With the default minimum (one thread per core) the fast item
    /// then waits for the pool's starvation-driven thread injection: measured at 0.8-0.9 s per run of
    /// the PLINQ ordering test on 2 cores, against a few milliseconds with this headroom.
    /// </remarks>
#pragma warning disable CA2255 // A test assembly is the one place where process-wide setup belongs.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void GiveThePoolHeadroom()
    {
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(workers + 4, completionPorts);
    }
}
