using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Tally.Cluster;

/// <summary>
/// Whether a silo's port speaks TLS, found by starting a handshake and giving up at the server's
/// certificate: a node whose TLS setting differs from its coordinator's would otherwise wait
/// silently (the silo's join neither succeeds nor fails soon), so it says why it cannot join.
/// </summary>
internal static class TlsProbe
{
    /// <summary>What the probe found.</summary>
    public enum Answer
    {
        /// <summary>No clear answer (a timeout, or the port went away): the node tries to join as usual.</summary>
        Unknown,

        /// <summary>The server presented a certificate: it speaks TLS.</summary>
        Tls,

        /// <summary>The server closed the connection on a TLS hello without presenting a certificate: plain TCP.</summary>
        Plain,
    }

    /// <summary>Probes <paramref name="endpoint"/>, within 2 s, with the server's certificate when it speaks TLS.</summary>
    public static async Task<(Answer Answer, X509Certificate2? Certificate)> ProbeAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        X509Certificate2? presented = null;
        try
        {
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await using var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, _, _) =>
            {
                // Refused on purpose: the probe only looks, it never completes a handshake, so it
                // sends no certificate and the server has nothing to accept or log as a member.
                presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                return false;
            });
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "tally" }, timeout.Token).ConfigureAwait(false);
            return (Answer.Tls, presented);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (presented is null ? Answer.Unknown : Answer.Tls, presented);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or SocketException)
        {
            if (presented is not null)
            {
                return (Answer.Tls, presented);
            }

            // Closed without a server hello: a plain Orleans silo drops a connection whose first
            // bytes are not its preamble. A refused connection (the port closed) tells nothing.
            return (e is SocketException ? Answer.Unknown : Answer.Plain, null);
        }
    }
}
