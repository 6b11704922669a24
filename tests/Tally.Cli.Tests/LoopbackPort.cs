using System.Net;
using System.Net.Sockets;

namespace Tally.Cli.Tests;

/// <summary>Ports on 127.0.0.1 for the nodes and coordinators the tests start.</summary>
internal static class LoopbackPort
{
    /// <summary>A port free on loopback a moment ago (the system's choice for a listener on port 0).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
