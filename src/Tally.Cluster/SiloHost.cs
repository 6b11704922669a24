using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Tally.Cluster;

/// <summary>Builds the Orleans silo that a node and a coordinator both are, with the settings the probe found.</summary>
internal static class SiloHost
{
    /// <summary>Every Tally cluster's ids: a node joins whichever coordinator or table it is given.</summary>
    private const string ClusterId = "tally";
    private const string ServiceId = "tally";

    /// <summary>A silo at <paramref name="listen"/> in the cluster of <paramref name="membership"/>, named <paramref name="name"/> (the coordinator reads a node's slots from it).</summary>
    /// <param name="membership">The coordinator's address, or the Redis table's.</param>
    /// <param name="listen">Where this silo listens, and what it tells the others.</param>
    /// <param name="name">The silo's name.</param>
    /// <param name="hostsTasks">Whether map tasks may be placed here (nodes), or not (the coordinator).</param>
    /// <param name="services">Adds services of the caller's own; may be null.</param>
    /// <param name="tls">Mutual TLS on every silo-to-silo connection, in and out; null: plain TCP.</param>
    /// <param name="refused">Told why a peer's certificate was refused, once per refusal; may be null.</param>
    public static IHost Build(ClusterAddress membership, IPEndPoint listen, string name, bool hostsTasks, Action<IServiceCollection>? services = null,
        ClusterTls? tls = null, Action<string>? refused = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "tally" });

        // tally owns SIGINT and SIGTERM (Program.cs): the host must not install handlers of its own.
        builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("TALLY_CLUSTER_LOG") is { Length: > 0 } level && Enum.TryParse<LogLevel>(level, ignoreCase: true, out var minimum))
        {
            builder.Logging.SetMinimumLevel(minimum);
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        services?.Invoke(builder.Services);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });
            silo.Configure<SiloOptions>(o => o.SiloName = name);
            if (!hostsTasks)
            {
                // The coordinator never runs a map task: without this, a call placed before the
                // cluster manifest names the hinted node would be activated here.
                silo.Configure<GrainTypeOptions>(o =>
                {
                    o.Classes.Remove(typeof(Nodes.MapTaskGrain));
                    o.Classes.Remove(typeof(Nodes.NodeControlGrain));
                    o.Classes.Remove(typeof(Nodes.ReduceTaskGrain));
                });
            }

            // No gateway: nothing connects as a client; the coordinator is itself a silo, so it is
            // told of a node's death by the runtime (SiloUnavailableException), not by a timeout.
            silo.ConfigureEndpoints(listen.Address, listen.Port, gatewayPort: 0, listenOnAnyHostAddress: false);
            if (tls is not null)
            {
                UseMutualTls(silo, tls, refused);
            }

            if (membership.IsRedis)
            {
                silo.UseRedisClustering($"{membership.EndPoint.Address}:{membership.EndPoint.Port}");
            }
            else
            {
                silo.UseDevelopmentClustering(membership.EndPoint);
            }

            // Failure detection, measured on a 2-core machine (README, "Many machines: a cluster";
            // bench/cluster_failures.py): a killed node's tasks are rerun 2.1-3.3 s after the kill
            // (2.2-3.2 s at the test suite's load average of 10-20), a hung one's (SIGSTOP) 8.7-9.0 s
            // after the stop (8.4-10.1 s), and no node that was merely slow to be scheduled was
            // declared dead in the suite's runs. (The settings before, 2 missed probes with timeouts
            // down to 0.5 s, were recorded as declaring busy nodes dead; a hiccup of 1 s could cost a
            // node its life.)
            // - A probe every second, whose timeout adapts to the measured round trips only between
            //   1 s and 3 s: left to itself it shrinks to 0.5 s on quiet loopback, and then one
            //   half-second scheduling delay under load counts as a missed probe.
            // - 3 probes missed in a row before a prober votes, the last of them sent through
            //   another silo (Orleans' indirect probe), and 2 votes to declare a death (the default):
            //   a dead node's connection is refused at once, so its 3 probes fail within 3 s; a live
            //   one must stay silent for over 3 s to several silos at once.
            // - A node that has sent anything recently on its connection (a running task reports its
            //   progress every 250 ms) is not voted dead until it has been silent for MaxProbeTimeout
            //   x NumMissedProbesLimit = 9 s (EnableConnectionLivenessCheck, on by default): what keeps
            //   a busy node alive, and why a hung one takes longer to detect than a killed one.
            // - Votes expire after 20 s, not 2 minutes: two probers' suspicions of one node a minute
            //   apart are two slow moments, not a death.
            // - The table is re-read every 2 s, so each silo learns of a death soon after the vote.
            // - Each silo writes its "I am alive" time to the table every 2 s, not 5 s. When every
            //   node dies at once, the coordinator is left alone to vote, and Orleans asks for
            //   min(2, (active silos + 1) / 2) votes, counting as active every silo whose time is
            //   less than 3 writes old: with the default, three killed nodes stayed "active" for up
            //   to 15 s, and the job learned of their deaths 14 s after the kill; now they stop
            //   counting after 6 s, and it learns 7.6 s after (bench/cluster_failures.py). Being
            //   stale only lowers the votes a death needs; a silo is still voted dead only after its
            //   probes fail and it has been silent for 9 s.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.MinProbeTimeout = TimeSpan.FromSeconds(1);
                o.MaxProbeTimeout = TimeSpan.FromSeconds(3);
                o.NumMissedProbesLimit = 3;
                o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(20);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedTableIAmAliveLimit = 3;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            });

            // Tables come back in 1 MiB chunks, at most 8 to a message; the default 100 MiB
            // limit is far off, and stays as a guard.
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(10));
        });
        return builder.Build();
    }

    /// <summary>
    /// Stops <paramref name="host"/>'s silo and disposes it, giving up after <paramref name="limit"/>
    /// (plus a second's grace): false if it had not finished by then, and it is left to the process's end.
    /// With <paramref name="graceful"/>, the graceful part of the stop (deactivating the silo's grains)
    /// is cut short after that long: the rest of the stop still runs, and the silo still marks itself
    /// dead in the membership table.
    /// </summary>
    /// <remarks>
    /// Orleans' stop does not always honour its token: with the Redis table gone (the server stopped
    /// or cut off), a silo's last writes to it wait on the Redis client, which kept a node told to stop
    /// (SIGTERM) alive for minutes. A node or coordinator leaving must leave in bounded time; the
    /// cluster's probes declare a silo that left without saying so dead anyway.
    /// </remarks>
    public static async Task<bool> StopAsync(IHost host, TimeSpan limit, TimeSpan? graceful = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var timeout = new CancellationTokenSource(graceful is { } shorter && shorter < limit ? shorter : limit);
        var stopping = Task.Run(async () =>
        {
            try
            {
                await host.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                host.Dispose();
            }
        }, CancellationToken.None);
        try
        {
            await stopping.WaitAsync(limit + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            _ = stopping.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return false;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Leaving a cluster whose primary or table is gone can fail; the silo is stopped either way.
            return true;
        }
    }

    /// <summary>
    /// Every connection a silo accepts or opens is TLS, and the peer must present a certificate
    /// that <paramref name="tls"/> accepts: a silo without one, or with a stranger's, never gets
    /// past the handshake, so it can neither join nor be sent a task nor send one.
    /// </summary>
    private static void UseMutualTls(ISiloBuilder silo, ClusterTls tls, Action<string>? refused)
    {
        silo.UseTls(tls.Certificate, o =>
        {
            // Required both ways: as a server, the peer that connects must present a certificate;
            // as a client, ours is always sent (AllowCertificate would silently send none).
            o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;

            // Our verdict replaces the platform's (which trusts the machine's roots and checks the
            // host name, neither of which means anything for a cluster's own CA): see ClusterTls.
            o.RemoteCertificateValidation = (certificate, chain, _) =>
            {
                if (tls.Accepts(certificate, chain, out string reason))
                {
                    return true;
                }

                refused?.Invoke($"refused a TLS peer: {reason}");
                return false;
            };
        });
    }

    /// <summary>A host lifetime that does nothing: the program starts and stops the silo itself.</summary>
    private sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
