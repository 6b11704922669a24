using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Tally.Aggregation;
using Tally.Cluster;
using Tally.Formats.NgramV2;
using Tally.Mapping;
using Tally.Testing;

namespace Tally.Cluster.Tests;

/// <summary>
/// The test assembly's entry point, used only when a test starts it as a node process
/// (<c>dotnet exec Tally.Cluster.Tests.dll node JOIN LISTEN ALLOW SLOTS [CERT [CA]]</c>); the test host never
/// calls it. It hosts a node as a library user's program would, with map steps of its own:
/// <see cref="WordCountStep"/>, <c>slow-ngram</c>, the Ngram step with a pause per block, so a
/// test can kill or stop a node while it holds a task, and <c>stall-once-ngram</c>, whose first
/// attempt at a source stands still on a live node.
/// </summary>
internal static class NodeProgram
{
    public static async Task<int> Main(string[] args)
    {
        // Optional last: the node's --tls-certificate and --tls-ca files ("-" for none).
        if (args is not ["node", var join, var listen, var allow, var slots, ..] || args.Length > 7)
        {
            await Console.Error.WriteLineAsync("Tally.Cluster.Tests is run by 'dotnet test'; 'node JOIN LISTEN ALLOW SLOTS [CERT [CA]]' makes it a test node.");
            return 2;
        }

        string? certificate = args.Length > 5 && args[5] != "-" ? args[5] : null;
        string? authority = args.Length > 6 && args[6] != "-" ? args[6] : null;

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        var registry = MapStepRegistry.WithBuiltIns().Add(new WordCountStep()).Add(new SlowStep()).Add(new StallOnceStep());
        var options = new NodeOptions
        {
            Cluster = ClusterAddress.Parse(join),
            Listen = ClusterAddress.ParseEndPoint(listen),
            Allow = [allow],
            Slots = int.Parse(slots, CultureInfo.InvariantCulture),
            Tls = certificate is null ? null : ClusterTls.Load(certificate, authority, Environment.GetEnvironmentVariable(ClusterTls.PasswordVariable)),
        };
        await ClusterNode.RunAsync(options, registry, line => Console.Error.WriteLine(line), stop.Token);
        return 0;
    }
}

/// <summary><c>ngram-v2</c> with a 50 ms pause per block: slow enough that a node can be killed mid-task.</summary>
internal sealed class SlowStep() : MapStep(Name)
{
    public new const string Name = "slow-ngram";

    public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
    {
        Thread.Sleep(50);
        return NgramV2MapStep.Instance.Map(block, table, context);
    }
}

/// <summary>
/// <c>ngram-v2</c>, except that the first attempt at a source whose name contains "stall" stands
/// still for 8 s in its first block, as a read hung on a stuck shared volume would: the node stays
/// alive and its task keeps reporting, with the same figures. The first attempt leaves a marker
/// beside the source, so the next attempt, on whatever node, counts at once.
/// </summary>
internal sealed class StallOnceStep() : MapStep(Name)
{
    public new const string Name = "stall-once-ngram";

    public override long Map(ReadOnlySpan<byte> block, CountTable table, in MapContext context)
    {
        if (context.SourceName.Contains("stall", StringComparison.Ordinal) && FirstAttempt(context.SourceName))
        {
            Thread.Sleep(8000);
        }

        return NgramV2MapStep.Instance.Map(block, table, context);
    }

    private static bool FirstAttempt(string source)
    {
        try
        {
            using var marker = new FileStream(source + ".stalled", FileMode.CreateNew);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
