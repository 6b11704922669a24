using System.Reactive.Linq;

namespace Tally.Patterns.Tests;

/// <summary>
/// Python (RxPY): <c>rx.from_iterable(xs).pipe(map(f))</c>, <c>group_by(key)</c> (a stream of streams,
/// one per key) and <c>merge_all()</c>. System.Reactive is the .NET original of ReactiveX; the
/// operators are <c>Select</c>, <c>GroupBy</c>, and <c>Merge</c> or <c>SelectMany</c>.
/// </summary>
public sealed class ReactiveTests
{
    [Fact]
    public async Task Select_MapsEachElementInOrder()
    {
        var squares = await Observable.Range(0, 5).Select(x => x * x).ToList();

        Assert.Equal([0, 1, 4, 9, 16], squares);
    }

    [Fact]
    public async Task GroupBy_SplitsTheStreamIntoOneStreamPerKey()
    {
        var groups = await Observable.Range(0, 10)
            .GroupBy(x => x % 3)
            .SelectMany(group => group.ToList().Select(members => (group.Key, Members: members)))
            .ToDictionary(g => g.Key, g => g.Members);

        Assert.Equal([0, 3, 6, 9], groups[0]);
        Assert.Equal([1, 4, 7], groups[1]);
        Assert.Equal([2, 5, 8], groups[2]);
    }

    [Fact]
    public async Task MergeOfTheGroups_EmitsEveryElementOnceInSourceOrder()
    {
        var merged = await Observable.Range(0, 10).GroupBy(x => x % 3).Merge().ToList();

        Assert.Equal(Enumerable.Range(0, 10), merged);
    }

    [Fact]
    public async Task GroupByWordThenSum_EqualsTheLinqReference()
    {
        var random = new Random(2012);
        string[] words = ["Aardvark", "aardvark", "abacus", "and", "and_CONJ", "zebra"];
        var rows = Enumerable.Range(0, 5_000)
            .Select(_ => (Word: words[random.Next(words.Length)], MatchCount: (long)random.Next(1, 1_000_000)))
            .ToArray();

        var totals = await rows.ToObservable()
            .GroupBy(row => row.Word)
            .SelectMany(group => group.Sum(row => row.MatchCount).Select(sum => (group.Key, Sum: sum)))
            .ToDictionary(pair => pair.Key, pair => pair.Sum);

        var reference = rows.GroupBy(row => row.Word).ToDictionary(g => g.Key, g => g.Sum(row => row.MatchCount));
        Assert.Equal(reference.OrderBy(p => p.Key, StringComparer.Ordinal), totals.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task AnErrorInTheStream_EndsItWithOnErrorAndNeverCallsOnCompleted()
    {
        int[] divisors = [1, 2, 3, 0, 4, 5];
        var seen = new List<int>();
        var ended = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);

        using var subscription = divisors.ToObservable()
            .Select(d => 12 / d)
            .Subscribe(
                onNext: seen.Add,
                onError: error => ended.SetResult(error),
                onCompleted: () => ended.SetResult(null));

        Assert.IsType<DivideByZeroException>(await ended.Task.WaitOrFailAsync());
        Assert.Equal([12, 6, 4], seen);
    }
}
