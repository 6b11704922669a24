using Tally.Testing;

namespace Tally.Cli.Tests;

/// <summary>
/// <c>--tls-certificate</c> and <c>--tls-ca</c> as a user meets them: TLS node processes with a
/// TLS coordinator count like a local count; a node without a certificate cannot join, and says
/// why; and every mistake with the files is one line naming the file, before anything starts.
/// </summary>
public sealed class ClusterTlsCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [ClusterFact]
    public async Task TlsNodes_AndACoordinatorWithAPasswordProtectedPfx_CountLikeALocalCount()
    {
        var (ca, caFile) = Authority();
        string data = Directory.CreateDirectory(_cli.PathOf("data")).FullName;
        for (int i = 0; i < 3; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(data, $"f{i}.tsv"), string.Concat(Enumerable.Range(0, 500).Select(r => $"w{(r * 7) + i}\t2000\t{r}\t1\n")));
        }

        // The nodes read PEM files (certificate and key in one); the coordinator a PKCS#12 file with a password.
        string first = TestCertificates.WritePem(TestCertificates.Member(ca, "node-1"), _cli.PathOf("node-1.pem"));
        string second = TestCertificates.WritePem(TestCertificates.Member(ca, "node-2"), _cli.PathOf("node-2.pem"));
        string coordinator = TestCertificates.WritePfx(TestCertificates.Member(ca, "coordinator"), _cli.PathOf("coordinator.pfx"), "s3cret");
        int port = LoopbackPort.Free();
        using var firstNode = TallyProcess.StartTool(_cli.Folder, "node", "--join", $"127.0.0.1:{port}", "--allow", data, "--slots", "2", "--tls-certificate", first, "--tls-ca", caFile);
        using var secondNode = TallyProcess.StartTool(_cli.Folder, "node", "--join", $"127.0.0.1:{port}", "--allow", data, "--slots", "2", "--tls-certificate", second, "--tls-ca", caFile);
        try
        {
            var local = await _cli.RunAsync(["count", data, "-o", _cli.PathOf("local.tsv"), "--quiet"]);

            // The coordinator runs in this process, which no other test gives a TLS password.
            CliResult cluster;
            Environment.SetEnvironmentVariable("TALLY_TLS_PASSWORD", "s3cret");
            try
            {
                cluster = await _cli.RunAsync(["count", "--cluster", $"127.0.0.1:{port}", "--nodes", "2", "--tls-certificate", coordinator, "--tls-ca", caFile,
                    data, "-o", _cli.PathOf("cluster.tsv"), "--quiet"]);
            }
            finally
            {
                Environment.SetEnvironmentVariable("TALLY_TLS_PASSWORD", null);
            }

            Assert.Equal(0, local.ExitCode);
            Assert.True(cluster.ExitCode == 0, cluster.Error + firstNode.Error + secondNode.Error);
            Assert.Equal(await File.ReadAllBytesAsync(_cli.PathOf("local.tsv")), await File.ReadAllBytesAsync(_cli.PathOf("cluster.tsv")));
            Assert.Contains("with TLS, accepting a certificate issued by CN=cli test CA", firstNode.Error, StringComparison.Ordinal);
        }
        finally
        {
            firstNode.KillHard();
            secondNode.KillHard();
        }
    }

    [ClusterFact]
    public async Task NodeWithoutCertificate_CannotJoinATlsCoordinator_ExitThree_AndTheNodeSaysWhy()
    {
        var (ca, caFile) = Authority();
        string input = _cli.Write("in.tsv", "a\t2000\t1\t1\n");
        string coordinator = TestCertificates.WritePem(TestCertificates.Member(ca, "coordinator"), _cli.PathOf("coordinator.pem"));
        int port = LoopbackPort.Free();
        using var node = TallyProcess.StartTool(_cli.Folder, "node", "--join", $"127.0.0.1:{port}", "--allow", _cli.Folder);
        try
        {
            var result = await _cli.RunAsync(["count", "--cluster", $"127.0.0.1:{port}", "--join-timeout", "8s", "--tls-certificate", coordinator, "--tls-ca", caFile, input, "--quiet"]);

            Assert.Equal(3, result.ExitCode);
            Assert.Contains("0 of 1 node joined within 8 s (--join-timeout)", result.Error, StringComparison.Ordinal);
            Assert.Contains("a --tls-certificate that this coordinator trusts: a certificate issued by CN=cli test CA", result.Error, StringComparison.Ordinal);
            await TallyProcess.PollAsync(() => node.Error.Contains("the coordinator requires TLS", StringComparison.Ordinal), TimeSpan.FromSeconds(10), () => node.Error);
            Assert.Contains($"tally: cannot join 127.0.0.1:{port}: the coordinator requires TLS (it presents CN=coordinator, issued by CN=cli test CA) and this node has no --tls-certificate", node.Error, StringComparison.Ordinal);
        }
        finally
        {
            node.KillHard();
        }
    }

    [Theory]
    [InlineData("count")]
    [InlineData("node")]
    public async Task TlsCaWithoutCertificate_ExitsTwo(string command)
    {
        var (_, caFile) = Authority();

        var result = await _cli.RunAsync(Command(command, "--tls-ca", caFile));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"tally: --tls-ca {caFile} needs --tls-certificate: a member presents its own certificate, issued by that CA\n", result.Error);
    }

    [Fact]
    public async Task TlsCertificateWithoutCluster_ExitsTwo()
    {
        string input = _cli.Write("in.tsv", "a\t2000\t1\t1\n");

        var result = await _cli.RunAsync(["count", input, "--tls-certificate", _cli.PathOf("member.pem")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("tally: --tls-certificate needs --cluster\n", result.Error);
    }

    [Theory]
    [InlineData("count")]
    [InlineData("node")]
    public async Task MissingCertificateFile_ExitsThree_NamingIt(string command)
    {
        string missing = _cli.PathOf("missing.pem");

        var result = await _cli.RunAsync(Command(command, "--tls-certificate", missing));

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"tally: --tls-certificate {missing}: no such file\n", result.Error);
    }

    [Fact]
    public async Task CertificateWithoutItsKey_ExitsThree_NamingIt()
    {
        var (_, caFile) = Authority();

        var result = await _cli.RunAsync(Command("count", "--tls-certificate", caFile));

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"tally: --tls-certificate {caFile}: has no private key", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task CertificateFromAnotherCa_ExitsThree_BeforeAnythingStarts()
    {
        var (_, caFile) = Authority();
        string stranger = TestCertificates.WritePem(TestCertificates.SelfSigned("stranger"), _cli.PathOf("stranger.pem"));

        var result = await _cli.RunAsync(Command("count", "--tls-certificate", stranger, "--tls-ca", caFile));

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"tally: --tls-certificate {stranger}: refused by its own --tls-ca {caFile}", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong")]
    [InlineData(null)]
    public async Task PfxWithAWrongOrNoPassword_ExitsThree_NamingTheFileAndTheVariable(string? password)
    {
        var (ca, _) = Authority();
        string pfx = TestCertificates.WritePfx(TestCertificates.Member(ca, "member"), _cli.PathOf("member.pfx"), "s3cret");
        var environment = new Dictionary<string, string>();
        if (password is not null)
        {
            environment["TALLY_TLS_PASSWORD"] = password;
        }

        // A process of its own: the password is read from the environment, which this one shares with every test.
        using var tally = TallyProcess.Start(_cli.Folder, environment, Command("count", "--tls-certificate", pfx));
        int code = await tally.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(3, code);
        Assert.Single(tally.ErrorLines);
        Assert.StartsWith($"tally: --tls-certificate {pfx}: cannot be read", tally.Error, StringComparison.Ordinal);
        Assert.Contains("TALLY_TLS_PASSWORD", tally.Error, StringComparison.Ordinal);
    }

    /// <summary><paramref name="command"/> with a cluster that is never started and <paramref name="tls"/>: each case fails before it would be.</summary>
    private string[] Command(string command, params string[] tls)
    {
        string cluster = $"127.0.0.1:{LoopbackPort.Free()}";
        return command == "node"
            ? ["node", "--join", cluster, "--allow", _cli.Folder, .. tls]
            : ["count", "--cluster", cluster, "--join-timeout", "1s", _cli.Write("in.tsv", "a\t2000\t1\t1\n"), "--quiet", .. tls];
    }

    private (System.Security.Cryptography.X509Certificates.X509Certificate2 Ca, string File) Authority()
    {
        var ca = TestCertificates.Authority("cli test CA");
        return (ca, TestCertificates.WriteCertificatePem(ca, _cli.PathOf("ca.pem")));
    }
}
