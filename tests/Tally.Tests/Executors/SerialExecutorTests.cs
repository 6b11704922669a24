using Tally.Testing;

namespace Tally.Tests.Executors;

/// <summary>The contract on one thread with no pipeline: what inputs below the serial threshold get.</summary>
public sealed class SerialExecutorTests : ExecutorContractTests
{
    protected override bool RunsSourcesConcurrently => false;

    protected override CountOptions Options(int workers, int blockSize) => new()
    {
        Workers = workers,
        BlockSize = blockSize,
        MaxLineLength = Math.Max(blockSize, 1 << 16),
        SerialThresholdBytes = long.MaxValue,
    };
}
