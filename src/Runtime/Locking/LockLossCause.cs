using Npgsql;

namespace ProjectionGen.Locking;

/// <summary>Names the cause of a lock connection's failure for logs, metrics and alerts.</summary>
internal static class LockLossCause
{
    public const string HeartbeatNotGranted = "lock no longer granted (heartbeat)";

    public static string Describe(Exception failure) => failure switch
    {
        PostgresException { SqlState: "57P01" } => "backend terminated or server shut down (57P01)",
        PostgresException { SqlState: "57P02" } => "server crashed (57P02)",
        PostgresException { SqlState: "57P03" } => "server starting up (57P03)",
        PostgresException { SqlState: "57P05" } => "idle session timeout (57P05)",
        PostgresException postgres => $"server error {postgres.SqlState}",
        NpgsqlException { InnerException: TimeoutException } or TimeoutException => "heartbeat timeout",
        NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException } or IOException => "connection broken",
        NpgsqlException => "connection failed",
        _ => failure.GetType().Name,
    };
}
