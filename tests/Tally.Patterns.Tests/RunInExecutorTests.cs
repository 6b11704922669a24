using System.Globalization;

namespace Tally.Patterns.Tests;

/// <summary>
/// Python: <c>loop.run_in_executor(pool, f, x)</c> turns CPU work on a process pool into an awaitable,
/// so it mixes with asyncio I/O under <c>asyncio.gather</c> (results in submission order) and
/// <c>asyncio.as_completed</c> (results in completion order). In .NET both kinds of work are already
/// <see cref="Task{TResult}"/>: <c>Task.Run</c> for CPU work, the async file APIs for I/O.
/// </summary>
public sealed class RunInExecutorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-patterns-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task WhenAll_ReturnsCpuAndIoResultsInSubmissionOrder()
    {
        var io = StartIo();
        var cpu = StartCpuWork(mayFinish: io);

        long[] results = await Task.WhenAll(cpu, io).WaitOrFailAsync();

        Assert.Equal([Gate.SumToClosedForm(1_000), 3L], results);
    }

    [Fact]
    public async Task WhenEach_ReturnsCpuAndIoResultsInCompletionOrder()
    {
        // The CPU work finishes only after the I/O result was delivered: were WhenEach to deliver in
        // submission order, the CPU result would never come and the test would time out.
        var ioDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var io = StartIo();
        var cpu = StartCpuWork(mayFinish: ioDelivered.Task);

        var arrivals = new List<long>();
        async Task ConsumeAsync()
        {
            await foreach (var done in Task.WhenEach(cpu, io))
            {
                arrivals.Add(await done);
                ioDelivered.TrySetResult();
            }
        }

        await ConsumeAsync().WaitOrFailAsync();

        Assert.Equal([3L, Gate.SumToClosedForm(1_000)], arrivals);
    }

    [Fact]
    public async Task ConcurrentReadsThenParallelMapAndReduce_EqualASerialLoop()
    {
        // The origin's flagship job in miniature: read ngram v2 files concurrently, partition the
        // lines, map each partition on the pool into word -> sum of match_count, reduce the partial
        // tables, and look up one word.
        string[] paths = WriteNgramFiles(files: 3, rowsPerFile: 2_000, seed: 7);

        var lines = new List<string>();
        var filesInArrivalOrder = new List<int>();
        var reads = paths.Select(path => File.ReadAllLinesAsync(path)).ToArray();
        await foreach (var read in Task.WhenEach(reads))
        {
            lines.AddRange(await read);
            filesInArrivalOrder.Add(Array.IndexOf(reads, read));
        }

        var partials = await Task.WhenAll(
            lines.Chunk(500).Select(partition => Task.Run(() => Map(partition))));
        var total = Reduce(partials);

        var reference = new Dictionary<string, long>();
        foreach (string path in paths)
        {
            foreach (string line in File.ReadLines(path))
            {
                string[] fields = line.Split('\t');
                reference[fields[0]] = reference.GetValueOrDefault(fields[0]) + long.Parse(fields[2], CultureInfo.InvariantCulture);
            }
        }

        Assert.Equal([0, 1, 2], filesInArrivalOrder.Order());
        Assert.Equal(reference.Count, total.Count);
        Assert.All(reference, pair => Assert.Equal(pair.Value, total[pair.Key]));
        Assert.Equal(reference["Aardvark"], total["Aardvark"]);
    }

    private Task<long> StartIo()
    {
        string path = Path.Combine(_directory, "three-lines.txt");
        File.WriteAllLines(path, ["a", "b", "c"]);
        return CountLinesAsync(path);
    }

    /// <summary>CPU work that may finish only after <paramref name="mayFinish"/>, which pins the completion order without a sleep.</summary>
    private static Task<long> StartCpuWork(Task mayFinish) => Task.Run(async () =>
    {
        await mayFinish;
        return Gate.SumTo(1_000);
    });

    private static async Task<long> CountLinesAsync(string path)
    {
        long count = 0;
        using var reader = new StreamReader(path);
        while (await reader.ReadLineAsync() is not null)
        {
            count++;
        }

        return count;
    }

    private string[] WriteNgramFiles(int files, int rowsPerFile, int seed)
    {
        var random = new Random(seed);
        string[] words = ["Aardvark", "aardvark", "abacus", "abandon", "and", "and_CONJ", "zebra"];
        var paths = new string[files];
        for (int f = 0; f < files; f++)
        {
            paths[f] = Path.Combine(_directory, $"googlebooks-eng-all-1gram-20120701-{(char)('a' + f)}");
            File.WriteAllLines(paths[f], Enumerable.Range(0, rowsPerFile).Select(_ =>
                string.Create(CultureInfo.InvariantCulture,
                    $"{words[random.Next(words.Length)]}\t{random.Next(1500, 2013)}\t{random.Next(1, 100_000)}\t{random.Next(1, 100)}")));
        }

        return paths;
    }

    private static Dictionary<string, long> Map(string[] partition)
    {
        var table = new Dictionary<string, long>();
        foreach (string line in partition)
        {
            string[] fields = line.Split('\t');
            table[fields[0]] = checked(table.GetValueOrDefault(fields[0]) + long.Parse(fields[2], CultureInfo.InvariantCulture));
        }

        return table;
    }

    private static Dictionary<string, long> Reduce(IEnumerable<Dictionary<string, long>> partials)
    {
        var total = new Dictionary<string, long>();
        foreach (var partial in partials)
        {
            foreach (var (word, count) in partial)
            {
                total[word] = checked(total.GetValueOrDefault(word) + count);
            }
        }

        return total;
    }
}
