using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The database steps and queries the version tests (<see cref="VersionTests"/>, <see cref="EventVersionTests"/>) share.</summary>
internal static class VersionTestQueries
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task AppendManyAsync(PostgresEventStore store, int streams, int eventsPerStream, string prefix)
    {
        var random = new Random(prefix.GetHashCode(StringComparison.Ordinal));
        for (var stream = 0; stream < streams; stream++)
        {
            var account = $"acct-{prefix}-{stream}";
            var events = Enumerable.Range(0, eventsPerStream)
                .Select(i => i % 4 == 3 ? (object)new Withdrawn(account, random.Next(1, 50)) : new Deposited(account, random.Next(1, 100)))
                .ToList();
            await store.AppendAsync(account, events, ExpectedVersion.Any, cancellationToken: Ct);
        }
    }

    public static async Task WaitForStateAsync(DaemonTestBed bed, string projection, string generation, string state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await StateAsync(bed, projection, generation);
            if (last == state)
            {
                return;
            }

            await Task.Delay(50, Ct);
        }

        Assert.Fail($"Generation {generation} of {projection} did not become {state} within {timeout} (it is {last ?? "missing"}); positions: {string.Join(", ", (await bed.ReadPositionsAsync()).Select(p => $"{p.Key}={p.Value}"))}");
    }

    public static async Task<string?> StateAsync(DaemonTestBed bed, string projection, string generation)
    {
        await using var connection = new NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT state FROM projectiongen.projection_versions WHERE projection = $1 AND generation = $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = projection });
        command.Parameters.Add(new NpgsqlParameter { Value = generation });
        return await command.ExecuteScalarAsync(Ct) as string;
    }

    public static async Task<long> CountAsync(DaemonTestBed bed, string relation)
    {
        await using var connection = new NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {relation}", connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    public static async Task ExecuteAsync(DaemonTestBed bed, string sql)
    {
        await using var connection = new NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    public static async Task TerminateAsync(DaemonTestBed bed, string applicationName)
    {
        await using var connection = new NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = applicationName });
        Assert.Equal(1L, await command.ExecuteScalarAsync(Ct));
    }

    public static async Task<List<(long Epoch, string Node, long From, long To)>> AuditAsync(DaemonTestBed bed, string slot)
    {
        await using var connection = new NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT epoch, node, from_position, to_position FROM build_audit WHERE projection = $1 ORDER BY from_position, epoch", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = slot });
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<(long, string, long, long)>();
        while (await reader.ReadAsync(Ct))
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
        }

        return rows;
    }
}
