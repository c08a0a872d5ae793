using Npgsql;

namespace ProjectionGen.Testing;

/// <summary>An existing server reached through a connection string; it is never restarted, crashed or stopped.</summary>
internal sealed class ExternalPostgresServer : PostgresServer
{
    private ExternalPostgresServer(string connectionString) => ConnectionString = connectionString;

    public override PostgresServerSource Source => PostgresServerSource.External;

    public override string ConnectionString { get; }

    public override string? ControlUnavailableReason =>
        "the server comes from " + PostgresServerOptions.ConnectionEnvironmentVariable
        + " and is not owned by the harness, so it cannot be restarted, crashed or stopped";

    public static async Task<PostgresServer> ConnectAsync(string connectionString, CancellationToken cancellationToken)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            // The message of the original exception may quote the connection string (and its password).
            throw new ArgumentException(
                PostgresServerOptions.ConnectionEnvironmentVariable + " does not hold a valid Npgsql connection string.", ex.ParamName);
        }

        var server = new ExternalPostgresServer(builder.ConnectionString);
        await using var connection = await server.OpenAdminConnectionAsync(cancellationToken).ConfigureAwait(false);
        return server;
    }

    public override Task RestartAsync(bool fast = true, CancellationToken cancellationToken = default) { EnsureControllable(); return Task.CompletedTask; }

    public override Task CrashAsync(bool restart = true, CancellationToken cancellationToken = default) { EnsureControllable(); return Task.CompletedTask; }

    public override Task StopAsync(CancellationToken cancellationToken = default) { EnsureControllable(); return Task.CompletedTask; }

    public override Task StartAsync(CancellationToken cancellationToken = default) { EnsureControllable(); return Task.CompletedTask; }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
