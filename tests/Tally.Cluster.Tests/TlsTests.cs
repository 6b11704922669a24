using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Tally.Engine;
using Tally.Sources;
using Tally.Testing;
using Xunit.Abstractions;

namespace Tally.Cluster.Tests;

/// <summary>
/// Mutual TLS between coordinator and nodes: members with certificates the cluster trusts count
/// exactly; a node with no certificate, a stranger's or another CA's cannot join; and the
/// coordinator's port speaks only TLS, to members only, on the wire.
/// </summary>
/// <remarks>Each test starts its own node processes (the shared fixture's nodes are plain TCP), one test at a time.</remarks>
[Collection(TlsClusterTests.Name)]
public sealed class TlsTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(180);

    private readonly TempFolder _folder = new();
    private readonly List<NodeProcess> _nodes = [];

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            output.WriteLine($"node {node.Port}:\n{node.Log}");
            node.Dispose();
        }

        _folder.Dispose();
    }

    [Fact]
    public async Task MembersIssuedByTheClusterCa_CountExactly_AndThePortAcceptsOnlyMembersOverTls()
    {
        var ca = TestCertificates.Authority("test cluster CA");
        var coordinator = TestCertificates.Member(ca, "coordinator");
        string caFile = TestCertificates.WriteCertificatePem(ca, Path.Combine(_folder.Path, "ca.pem"));
        var address = FreeAddress();

        // One node reads a PEM file (certificate and key), the other a PKCS#12 file without a password.
        Start(address, TestCertificates.WritePem(TestCertificates.Member(ca, "node-a"), Path.Combine(_folder.Path, "a.pem")), caFile);
        Start(address, TestCertificates.WritePfx(TestCertificates.Member(ca, "node-b"), Path.Combine(_folder.Path, "b.pfx"), password: null), caFile);

        var (files, sources) = Inputs(4);
        var job = CountJob.Start(sources, Options(address, new ClusterTls(coordinator, [ca]), nodes: 2));

        // While the job waits for its nodes: what a TLS client meets at the coordinator's port.
        await WaitForPortAsync(address.EndPoint);
        var member = await HandshakeAsync(address.EndPoint, TestCertificates.Member(ca, "probe"));
        var anonymous = await HandshakeAsync(address.EndPoint, null);
        var stranger = await HandshakeAsync(address.EndPoint, TestCertificates.SelfSigned("stranger"));
        var otherCa = await HandshakeAsync(address.EndPoint, TestCertificates.Member(TestCertificates.Authority("other CA"), "other"));

        var result = await job.Result.WaitAsync(s_guard);
        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));

        Assert.True(member.Accepted, "a member's certificate was refused");
        Assert.Equal(coordinator.Thumbprint, member.Server?.Thumbprint);
        Assert.False(anonymous.Accepted, "a client with no certificate was accepted");
        Assert.False(stranger.Accepted, "a stranger's self-signed certificate was accepted");
        Assert.False(otherCa.Accepted, "a certificate from another CA was accepted");
    }

    [Fact]
    public async Task WithoutCa_MembersSharingOneCertificate_CountExactly()
    {
        var shared = TestCertificates.SelfSigned("shared");
        var address = FreeAddress();
        Start(address, TestCertificates.WritePem(shared, Path.Combine(_folder.Path, "shared.pem")));

        var (files, sources) = Inputs(3);
        var result = await CountJob.Start(sources, Options(address, new ClusterTls(shared), nodes: 1)).Result.WaitAsync(s_guard);

        Assert.Equal(ReferenceCount.Count(files), ReferenceCount.FromResult(result));
    }

    [Fact]
    public async Task NodesWithNoCertificate_AStrangers_OrAnotherCas_CannotJoin_AndTheJobEndsAtTheJoinTimeout()
    {
        var ca = TestCertificates.Authority("test cluster CA");
        var otherCa = TestCertificates.Authority("other CA");
        var address = FreeAddress();
        var plain = Start(address);
        var stranger = Start(address, TestCertificates.WritePem(TestCertificates.SelfSigned("stranger"), Path.Combine(_folder.Path, "stranger.pem")));
        var other = Start(address, TestCertificates.WritePem(TestCertificates.Member(otherCa, "other"), Path.Combine(_folder.Path, "other.pem")),
            TestCertificates.WriteCertificatePem(otherCa, Path.Combine(_folder.Path, "other-ca.pem")));

        var (_, sources) = Inputs(1);
        var options = Options(address, new ClusterTls(TestCertificates.Member(ca, "coordinator"), [ca]), nodes: 1, joinTimeout: TimeSpan.FromSeconds(12));
        var error = await Assert.ThrowsAsync<TallyInputException>(() => CountJob.Start(sources, options).Result.WaitAsync(s_guard));

        output.WriteLine(error.Message);
        Assert.Contains("0 of 1 node joined within 12 s (--join-timeout)", error.Message, StringComparison.Ordinal);
        Assert.Contains("--tls-certificate that this coordinator trusts: a certificate issued by CN=test cluster CA", error.Message, StringComparison.Ordinal);

        // Each node says why, in its own words: the plain one before it tries, the others when the
        // coordinator's certificate is not one they trust.
        await WaitForLogAsync(plain, "the coordinator requires TLS (it presents CN=coordinator, issued by CN=test cluster CA) and this node has no --tls-certificate");
        await WaitForLogAsync(stranger, "refused a TLS peer: its certificate (CN=coordinator) is not the same as this member's");
        await WaitForLogAsync(other, "refused a TLS peer: its certificate (CN=coordinator, issued by CN=test cluster CA) does not chain to the cluster's CA (CN=other CA)");
    }

    [Fact]
    public void Accepts_ChainsToTheCa_OrPinsTheOneCertificate()
    {
        var ca = TestCertificates.Authority("test cluster CA");
        var member = TestCertificates.Member(ca, "member");
        var peer = TestCertificates.Member(ca, "peer");
        var byCa = new ClusterTls(member, [ca]);
        var pinned = new ClusterTls(member);

        Assert.True(byCa.Accepts(peer, null, out _));
        Assert.False(byCa.Accepts(TestCertificates.SelfSigned("stranger"), null, out string reason));
        Assert.Contains("does not chain to the cluster's CA (CN=test cluster CA)", reason, StringComparison.Ordinal);

        // A look-alike CA with the same name: only the key that signed counts.
        Assert.False(byCa.Accepts(TestCertificates.Member(TestCertificates.Authority("test cluster CA"), "namesake"), null, out _));

        Assert.True(pinned.Accepts(member, null, out _));
        Assert.False(pinned.Accepts(peer, null, out reason));
        Assert.Contains("is not the same as this member's", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_RefusesACertificateWithoutItsKey_OrOnlyForServers()
    {
        var ca = TestCertificates.Authority("test cluster CA");
        using var withoutKey = X509CertificateLoader.LoadCertificate(TestCertificates.Member(ca, "member").RawData);

        Assert.Contains("no private key", Assert.Throws<ArgumentException>(() => new ClusterTls(withoutKey)).Message, StringComparison.Ordinal);
        Assert.Contains("serverAuth and clientAuth", Assert.Throws<ArgumentException>(() => new ClusterTls(TestCertificates.SelfSigned("server", serverOnly: true))).Message, StringComparison.Ordinal);
    }

    private NodeProcess Start(ClusterAddress address, params string[] tls)
    {
        var node = NodeProcess.Start(address, ClusterFixture.AllowRoot, tls);
        _nodes.Add(node);
        return node;
    }

    private (byte[][] Files, DataSource[] Sources) Inputs(int count)
    {
        var files = Enumerable.Range(0, count).Select(i => RandomNgrams.Rows(500 + i, 300)).ToArray();
        return (files, [.. files.Select((f, i) => DataSource.FromFile(_folder.Write($"in{i}.tsv", f)))]);
    }

    private static ClusterAddress FreeAddress() => ClusterAddress.Parse($"127.0.0.1:{ClusterAddress.FreePort(IPAddress.Loopback)}");

    private static CountOptions Options(ClusterAddress address, ClusterTls tls, int nodes, TimeSpan? joinTimeout = null) => new()
    {
        Workers = 2,
        BlockSize = 1024,
        MaxLineLength = 1 << 16,
        Executor = new ClusterExecutor(new ClusterExecutorOptions
        {
            Cluster = address,
            Nodes = nodes,
            JoinTimeout = joinTimeout ?? TimeSpan.FromSeconds(120),
            Tls = tls,
        }),
    };

    private static async Task WaitForPortAsync(IPEndPoint endpoint)
    {
        for (int i = 0; i < 240; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(endpoint);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(250);
            }
        }

        throw new TimeoutException($"nothing listens at {endpoint}");
    }

    /// <summary>
    /// A TLS client at <paramref name="endpoint"/> presenting <paramref name="client"/>: accepted when
    /// the handshake completes and the server does not then close the connection (with TLS 1.3 a
    /// server refuses a client's certificate after the client's side of the handshake is done).
    /// </summary>
    private static async Task<(bool Accepted, X509Certificate2? Server)> HandshakeAsync(IPEndPoint endpoint, X509Certificate2? client)
    {
        X509Certificate2? server = null;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false, (_, certificate, _, _) =>
        {
            // The probe plays a client that trusts whatever the server shows: what it tests is the server's side.
            server = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return server is not null;
        });
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "tally",
                ClientCertificates = client is null ? null : new X509CertificateCollection { client },
            });
            using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            int read = await tls.ReadAsync(new byte[64], quiet.Token);
            return (read > 0, server);
        }
        catch (OperationCanceledException)
        {
            // Still open and silent: the server took us for a member and waits for a silo's preamble.
            return (true, server);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            return (false, server);
        }
    }

    private static async Task WaitForLogAsync(NodeProcess node, string expected)
    {
        for (int i = 0; i < 40 && !node.Log.Contains(expected, StringComparison.Ordinal); i++)
        {
            await Task.Delay(250);
        }

        Assert.Contains(expected, node.Log, StringComparison.Ordinal);
    }
}

/// <summary>The TLS tests start their own nodes; run alone, so their silos are not starved by the shared cluster's tests on 2 cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TlsClusterTests
{
    public const string Name = "cluster-tls";
}
