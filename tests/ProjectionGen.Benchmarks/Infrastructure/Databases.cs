using System.Globalization;
using Npgsql;
using ProjectionGen.Testing;

namespace ProjectionGen.Benchmarks.Infrastructure;

/// <summary>Fresh databases on one server: empty, or copied from a seeded template so every contender reads the same events.</summary>
public sealed class Databases
{
    private readonly PostgresServer server;
    private int counter;

    /// <summary>Databases on <paramref name="server"/>.</summary>
    public Databases(PostgresServer server) => this.server = server;

    /// <summary>The server.</summary>
    public PostgresServer Server => server;

    /// <summary>Creates a database, optionally as a copy of <paramref name="template"/> (which must have no open connections).</summary>
    public async Task<string> CreateAsync(string prefix, string? template = null)
    {
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref counter).ToString(CultureInfo.InvariantCulture)}";
        await using var connection = await server.OpenAdminConnectionAsync();
        // Names are built from [a-z0-9_] only; CREATE DATABASE takes no parameters.
        var sql = template is null ? $"CREATE DATABASE \"{name}\"" : $"CREATE DATABASE \"{name}\" TEMPLATE \"{DatabaseName(template)}\"";
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database created here, closing its sessions first.</summary>
    public async Task DropAsync(string connectionString)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = await server.OpenAdminConnectionAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName(connectionString)}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs <c>VACUUM ANALYZE</c> and a checkpoint so every contender starts from the same settled state.</summary>
    public static async Task SettleAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var vacuum = new NpgsqlCommand("VACUUM ANALYZE", connection);
        await vacuum.ExecuteNonQueryAsync();
        await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection);
        await checkpoint.ExecuteNonQueryAsync();
    }

    private static string DatabaseName(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString).Database ?? throw new ArgumentException("The connection string names no database.", nameof(connectionString));
}
