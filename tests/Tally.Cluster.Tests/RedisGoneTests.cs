using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Tally.Testing;
using Xunit.Abstractions;

namespace Tally.Cluster.Tests;

/// <summary>
/// A node of a standing Redis cluster whose Redis server went away: told to stop (SIGTERM), it
/// must still leave in bounded time. Orleans' own stop waited on the Redis client, which kept such
/// a node alive for minutes. The test kills a Redis server of its own, never the suite's.
/// </summary>
public sealed class RedisGoneTests(ITestOutputHelper output)
{
    [RedisFact]
    public async Task RedisServerGone_NodeToldToStop_LeavesWithinSeconds_AndSaysWhy()
    {
        using var folder = new TempFolder();
        int port = ClusterAddress.FreePort(IPAddress.Loopback);
        using var redis = StartRedis(port, folder.Path);
        try
        {
            await WaitForPortAsync(port, TimeSpan.FromSeconds(20));
            using var node = NodeProcess.Start(ClusterAddress.Parse($"redis://127.0.0.1:{port}"), folder.Path);
            var joinBy = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTime.UtcNow < joinBy && !node.HasExited && !node.Log.Contains(" joined redis://", StringComparison.Ordinal))
            {
                await Task.Delay(250);
            }

            Assert.Contains(" joined redis://", node.Log, StringComparison.Ordinal);
            redis.Kill();
            await redis.WaitForExitAsync();
            await Task.Delay(TimeSpan.FromSeconds(1));

            var told = Stopwatch.StartNew();
            node.Signal(NodeProcess.SigTerm);

            // The silo is given 5 s to leave and 1 s of grace (SiloHost.StopAsync); 25 s is far above that and far below minutes.
            while (told.Elapsed < TimeSpan.FromSeconds(25) && !node.HasExited)
            {
                await Task.Delay(100);
            }

            bool exited = node.HasExited;
            double seconds = told.Elapsed.TotalSeconds;
            if (exited)
            {
                // Its last lines may still be in the pipe when the process is gone.
                await node.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }

            output.WriteLine($"exited: {exited} after {seconds:0.0} s\n{node.Log}");
            Assert.True(exited, $"the node was still running {seconds:0} s after SIGTERM with its Redis server gone");
            Assert.Contains("its silo did not stop within 5 s", node.Log, StringComparison.Ordinal);
        }
        finally
        {
            if (!redis.HasExited)
            {
                redis.Kill();
            }
        }
    }

    /// <summary>A Redis server of this test's own: loopback, no persistence, its files in <paramref name="folder"/>.</summary>
    private static Process StartRedis(int port, string folder)
    {
        var start = new ProcessStartInfo("redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            WorkingDirectory = folder,
        };
        foreach (string arg in (string[])["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static async Task WaitForPortAsync(int port, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
