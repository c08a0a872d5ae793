using System.Text.RegularExpressions;
using Npgsql;

namespace ProjectionGen.Dashboard;

/// <summary>Text the page may show: failures described without anything that could carry a connection string, and secrets masked in free text.</summary>
internal static partial class DashboardErrors
{
    /// <summary>A failure as the page shows it: the server's SQLSTATE and message, or the exception's type.</summary>
    public static string Describe(Exception failure) => failure switch
    {
        PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
        NpgsqlException => "the database is unreachable",
        TimeoutException or OperationCanceledException => "timed out",
        _ => failure.GetType().Name,
    };

    /// <summary>Masks anything shaped like a password setting (<c>Password=...</c>, <c>pwd=...</c>) in free text such as exceptions.</summary>
    public static string? Mask(string? text) => text is null ? null : Secret().Replace(text, "$1=***");

    [GeneratedRegex(@"(?i)\b(password|pwd)\s*=\s*[^;'""\s]*")]
    private static partial Regex Secret();
}
