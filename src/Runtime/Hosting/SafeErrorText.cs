using ProjectionGen.Common;

namespace ProjectionGen.Hosting;

/// <summary>
/// Describes a failure for logs, health results, alerts and the dashboard without anything that could carry a connection
/// string: the server's SQLSTATE and message, Npgsql's own message, "timed out", or the exception's type name.
/// </summary>
public static class SafeErrorText
{
    /// <summary>The text of <paramref name="failure"/> that is safe to log or show.</summary>
    /// <param name="failure">The failure.</param>
    public static string Describe(Exception failure) => ErrorText.Describe(failure);
}
