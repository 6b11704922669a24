using System.Text;
using Tally.Engine;
using Tally.Sources;
using Tally.Testing;
using Xunit.Abstractions;

namespace Tally.Cluster.Tests;

/// <summary>A node's slot takes its next source while the table of its last one is still on the way to the coordinator, within a bound.</summary>
[Collection(ClusterTests.Name)]
public sealed class SlotTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private const int SlotsPerNode = 2;

    [Fact]
    public async Task ASlotTakesTheNextSource_WhileTheTableOfItsLastTravels_AndANodeSendsNoMoreTablesThanItHasSlots()
    {
        // Nine sources for six slots, each table about 10 MB encoded: more than one message of
        // chunks (8 of 1 MiB), so its first chunk arrives well before its last is decoded, and the
        // three sources left over are waiting when the first chunks come in.
        using var folder = new TempFolder();
        var files = Enumerable.Range(0, 9).Select(LongKeys).ToArray();
        var sources = files.Select((f, i) => DataSource.FromFile(folder.Write($"slots-{i}.tsv", f))).ToArray();
        var events = new List<ClusterEvent>();
        var options = cluster.Options(2, 1 << 20, e =>
        {
            lock (events)
            {
                events.Add(e);
            }
        });

        var result = await CountJob.Start(sources, options).Result.WaitAsync(TimeSpan.FromSeconds(240));
        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));

        // Attempts under way per node, from the dispatch loop's own events in the order it made them.
        var running = new Dictionary<string, int>();
        var most = new Dictionary<string, int>();
        lock (events)
        {
            foreach (var e in events)
            {
                int change = e.Kind switch
                {
                    ClusterEventKind.Started => 1,
                    ClusterEventKind.Completed or ClusterEventKind.Lost or ClusterEventKind.Rejected => -1,
                    _ => 0,
                };
                running[e.Node] = running.GetValueOrDefault(e.Node) + change;
                most[e.Node] = Math.Max(most.GetValueOrDefault(e.Node), running[e.Node]);
            }
        }

        output.WriteLine(string.Join(", ", most.Select(m => $"{m.Key}: at most {m.Value} at once")));

        // Never more than a node's slots counting plus as many tables on the way.
        Assert.All(most, m => Assert.InRange(m.Value, 1, 2 * SlotsPerNode));

        // And some node took a source beyond its slots while a table of its was still travelling:
        // with the slot held until the table was decoded, no node ever ran more than 2.
        Assert.Contains(most, m => m.Value > SlotsPerNode);
    }

    /// <summary>A plain v2 file of 150,000 distinct keys of about 60 bytes, one row each.</summary>
    private static byte[] LongKeys(int file)
    {
        var text = new StringBuilder();
        for (int i = 0; i < 150_000; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"slot-test-key-of-some-length-so-the-table-is-large-{file:D2}-{i:D6}\t2000\t{(i % 97) + 1}\t1\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
