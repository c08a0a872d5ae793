using Npgsql;

namespace ProjectionGen.Hosting;

/// <summary>Describes a failure for logs and health results without anything that could carry a connection string.</summary>
internal static class SafeErrorText
{
    // Server messages and Npgsql's own never include the connection string; other exceptions are named by type only.
    public static string Describe(Exception failure) => failure switch
    {
        PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
        NpgsqlException npgsql => $"{nameof(NpgsqlException)}: {npgsql.Message}",
        TimeoutException or OperationCanceledException => "timed out",
        _ => failure.GetType().Name,
    };
}
