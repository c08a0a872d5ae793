using Npgsql;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>Restart, crash and stop against servers of their own (never the shared one).</summary>
public sealed class ServerControlTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Restart_drops_existing_connections_and_new_ones_succeed()
    {
        await using var server = await DedicatedPostgres.StartAsync();
        await using var database = await server.CreateDatabaseAsync("restart", Ct);
        await using var before = new NpgsqlConnection(Unpooled(database.ConnectionString));
        await before.OpenAsync(Ct);
        var pidBefore = await ScalarAsync<int>(before, "SELECT pg_backend_pid()");

        await server.RestartAsync(fast: true, Ct);

        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync<int>(before, "SELECT 1"));
        Assert.True(error is PostgresException { SqlState: "57P01" } || error.InnerException is IOException || before.State != System.Data.ConnectionState.Open,
            $"Unexpected failure after restart: {error}");

        await using var after = new NpgsqlConnection(Unpooled(database.ConnectionString));
        await after.OpenAsync(Ct);
        Assert.Equal(1, await ScalarAsync<int>(after, "SELECT 1"));
        var startedAfterRestart = await ScalarAsync<bool>(after, "SELECT pg_postmaster_start_time() > now() - interval '5 minutes'");
        Assert.True(startedAfterRestart);
        Assert.NotEqual(0, pidBefore);
    }

    [Fact]
    public async Task Crash_loses_nothing_that_was_committed()
    {
        await using var server = await DedicatedPostgres.StartAsync();
        await using var database = await server.CreateDatabaseAsync("crash", Ct);
        await using (var connection = new NpgsqlConnection(Unpooled(database.ConnectionString)))
        {
            await connection.OpenAsync(Ct);
            await ExecuteAsync(connection, "CREATE TABLE t (id int primary key)");
            await ExecuteAsync(connection, "INSERT INTO t SELECT g FROM generate_series(1, 1000) g");
            await using var open = await connection.BeginTransactionAsync(Ct);
            await ExecuteAsync(connection, "INSERT INTO t VALUES (5000)");

            // The last insert is uncommitted when the server dies: it must be gone, the rest must be there.
            await server.CrashAsync(restart: true, Ct);
        }

        await using var after = new NpgsqlConnection(Unpooled(database.ConnectionString));
        await after.OpenAsync(Ct);
        Assert.Equal(1000L, await ScalarAsync<long>(after, "SELECT count(*) FROM t"));
        Assert.Equal(0L, await ScalarAsync<long>(after, "SELECT count(*) FROM t WHERE id = 5000"));
    }

    [Fact]
    public async Task Stopped_server_refuses_connections_until_started()
    {
        await using var server = await DedicatedPostgres.StartAsync();
        await server.StopAsync(Ct);

        await using (var refused = new NpgsqlConnection(Unpooled(server.ConnectionString)))
        {
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => refused.OpenAsync(Ct));
        }

        await server.StartAsync(Ct);
        await using var accepted = new NpgsqlConnection(Unpooled(server.ConnectionString));
        await accepted.OpenAsync(Ct);
        Assert.Equal(1, await ScalarAsync<int>(accepted, "SELECT 1"));
    }

    internal static string Unpooled(string connectionString, string? applicationName = null) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = applicationName }.ConnectionString;

    internal static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }

    internal static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
