using Tally.Testing;

namespace Tally.Tests.Executors;

/// <summary>The contract on the default executor: async readers, a block channel and a map worker per core.</summary>
public sealed class ThreadExecutorTests : ExecutorContractTests
{
    protected override CountOptions Options(int workers, int blockSize) => ReferenceEquivalenceTests.Pipeline(workers, blockSize);
}
