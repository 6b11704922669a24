using System.Net;
using System.Net.Sockets;

namespace Tally.Cluster.Tests;

/// <summary>
/// A node told that its coordinator is leaving waits until that coordinator has gone before it
/// joins again, even when the next one listens at the same port at once (as a silo does, the
/// stand-in answers a connection and holds it until it stops).
/// </summary>
public sealed class CoordinatorGoneTests
{
    [Fact]
    public async Task TheCoordinatorsEnd_IsSeen_EvenWhenTheNextListensAtOnce()
    {
        var first = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        var endpoint = (IPEndPoint)first.LocalEndpoint;
        var accepting = first.AcceptSocketAsync();

        var waiting = ClusterNode.WaitForSilenceAsync(endpoint, CancellationToken.None);
        using var held = await accepting;
        await held.SendAsync("preamble"u8.ToArray());

        // While the coordinator is there the node waits, past its once-a-second check of the port.
        await Task.Delay(1500);
        Assert.False(waiting.IsCompleted);

        // The coordinator goes and the next listens at the same port before any poll could see a gap.
        held.Close();
        first.Stop();
        var next = new TcpListener(endpoint);
        next.Start();
        try
        {
            // Well before the 30 s the node would otherwise wait.
            await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            next.Stop();
        }
    }

    [Fact]
    public async Task NothingListening_IsGoneAtOnce()
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, ClusterAddress.FreePort(IPAddress.Loopback));
        await ClusterNode.WaitForSilenceAsync(endpoint, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
