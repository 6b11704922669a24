using Tally.Aggregation;
using Tally.Mapping;

namespace Tally.Tests.Support;

/// <summary>A map step with a bug: it throws on every block, an error that is not about the data.</summary>
internal sealed class ThrowingStep : MapStep
{
    public ThrowingStep()
        : base("throwing")
    {
    }

    public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
        => throw new InvalidOperationException("the step has a bug");
}
