using Npgsql;

namespace ProjectionGen.Common;

/// <summary>
/// The text of a failure that is safe for logs, health results, alerts and pages: the server's SQLSTATE and message,
/// Npgsql's own message, "timed out", or the exception's type name — never anything that could carry a connection
/// string. The public face is <see cref="Hosting.SafeErrorText"/>; the layers below hosting use this one.
/// </summary>
internal static class ErrorText
{
    /// <summary>The text of <paramref name="failure"/> that is safe to log or show.</summary>
    // Server messages and Npgsql's own never include the connection string; other exceptions are named by type only.
    public static string Describe(Exception failure) => failure switch
    {
        PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
        NpgsqlException npgsql => $"{nameof(NpgsqlException)}: {npgsql.Message}",
        TimeoutException or OperationCanceledException => "timed out",
        _ => failure.GetType().Name,
    };
}
