using System.Runtime.CompilerServices;

namespace Tally.Formats.Filters;

/// <summary>A year test a parser is specialised on: with <see cref="AllYears"/> the JIT leaves out every year read.</summary>
internal interface IYearWindow
{
    /// <summary>Whether years are tested at all; a constant for each implementing struct.</summary>
    static abstract bool IsActive { get; }

    /// <summary>Whether a row of <paramref name="year"/> counts.</summary>
    bool Contains(long year);
}

/// <summary>No <c>--years</c>: every year counts, and none is read.</summary>
internal readonly struct AllYears : IYearWindow
{
    public static bool IsActive => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Contains(long year) => true;
}

/// <summary><c>--years FROM-TO</c>: one unsigned compare per row.</summary>
internal readonly struct YearWindow(YearRange range) : IYearWindow
{
    private readonly long _from = range.From;
    private readonly ulong _span = (ulong)(range.To - range.From);

    public static bool IsActive => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Contains(long year) => (ulong)(year - _from) <= _span;
}
