using Npgsql;

namespace ProjectionGen.Hosting;

/// <summary>
/// Describes a failure for logs, health results, alerts and the dashboard without anything that could carry a connection
/// string: the server's SQLSTATE and message, Npgsql's own message, "timed out", or the exception's type name.
/// </summary>
public static class SafeErrorText
{
    /// <summary>The text of <paramref name="failure"/> that is safe to log or show.</summary>
    /// <param name="failure">The failure.</param>
    // Server messages and Npgsql's own never include the connection string; other exceptions are named by type only.
    public static string Describe(Exception failure) => failure switch
    {
        PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
        NpgsqlException npgsql => $"{nameof(NpgsqlException)}: {npgsql.Message}",
        TimeoutException or OperationCanceledException => "timed out",
        _ => failure.GetType().Name,
    };
}
