using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Tally.Cluster;

/// <summary>
/// Where a cluster's membership lives: <c>HOST:PORT</c>, the coordinator's own address (it is the
/// primary silo, and nodes join it), or <c>redis://HOST:PORT</c>, a Redis server that holds the
/// membership table of a standing cluster.
/// </summary>
public sealed class ClusterAddress
{
    private ClusterAddress(string text, IPEndPoint endpoint, bool isRedis)
    {
        Text = text;
        EndPoint = endpoint;
        IsRedis = isRedis;
    }

    /// <summary>The address as given.</summary>
    public string Text { get; }

    /// <summary>The primary silo's address, or the Redis server's.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Whether membership is a Redis table rather than the coordinator as primary silo.</summary>
    public bool IsRedis { get; }

    /// <summary>Parses <c>HOST:PORT</c> or <c>redis://HOST:PORT</c>; the host is a name or an IP address.</summary>
    /// <exception cref="FormatException">Not that form, or the host has no IPv4 address.</exception>
    public static ClusterAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        const string Redis = "redis://";
        bool redis = text.StartsWith(Redis, StringComparison.OrdinalIgnoreCase);
        return new ClusterAddress(text, ParseEndPoint(redis ? text[Redis.Length..].TrimEnd('/') : text), redis);
    }

    /// <summary>Parses <c>HOST:PORT</c> into an IPv4 endpoint; port 0 means any free port.</summary>
    /// <exception cref="FormatException">Not that form, or the host has no IPv4 address.</exception>
    public static IPEndPoint ParseEndPoint(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            throw new FormatException($"\"{text}\" is not HOST:PORT");
        }

        string host = text[..colon];
        if (!IPAddress.TryParse(host, out var address))
        {
            try
            {
                address = Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                    ?? throw new FormatException($"\"{host}\" has no IPv4 address");
            }
            catch (SocketException e)
            {
                throw new FormatException($"\"{host}\" cannot be resolved: {e.Message}", e);
            }
        }

        return new IPEndPoint(address, port);
    }

    /// <summary>A free TCP port on <paramref name="address"/> now (the OS may hand it out again later, which a silo start then reports).</summary>
    public static int FreePort(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether something accepts TCP connections at <paramref name="endpoint"/> within a second.</summary>
    internal static async Task<bool> AnswersAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        return socket is not null;
    }

    /// <summary>A TCP connection to <paramref name="endpoint"/>, or null when it refuses or does not accept within a second.</summary>
    internal static async Task<Socket?> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch (Exception e) when ((e is OperationCanceledException && !cancellationToken.IsCancellationRequested) || e is SocketException)
        {
            socket.Dispose();
            return null;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
