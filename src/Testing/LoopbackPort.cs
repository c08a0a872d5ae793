using System.Net;
using System.Net.Sockets;

namespace ProjectionGen.Testing;

internal static class LoopbackPort
{
    /// <summary>Asks the OS for a free loopback TCP port (free now; a server should bind it soon after).</summary>
    public static int FindFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
