using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Workload;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>What PostgreSQL itself allows on the workload: the aggregate as one set-based statement, and every event read with binary COPY.</summary>
public static class SqlLimit
{
    /// <summary>Times <c>INSERT … SELECT … GROUP BY stream_id</c> into a summary table (the same aggregate, written).</summary>
    public static async Task<TimeSpan> AggregateAsync(string connectionString, WorkloadPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var withdrawn = ProjectionGenRun.Types().GetName(typeof(FundsWithdrawn));
        await using var connection = await OpenAsync(connectionString);
        await using (var create = new NpgsqlCommand("CREATE TABLE limit_summary (id text PRIMARY KEY, balance bigint NOT NULL, events int NOT NULL, last_seq bigint NOT NULL)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using var aggregate = new NpgsqlCommand(
            """
            INSERT INTO limit_summary (id, balance, events, last_seq)
            SELECT stream_id, sum(CASE WHEN type = $1 THEN -(data->>'amount')::int ELSE (data->>'amount')::int END), count(*), max(seq)
            FROM projectiongen.events GROUP BY stream_id
            """,
            connection);
        aggregate.Parameters.Add(new NpgsqlParameter { Value = withdrawn });
        var stopwatch = Stopwatch.StartNew();
        await aggregate.ExecuteNonQueryAsync();
        stopwatch.Stop();

        await using var check = new NpgsqlCommand("SELECT count(*), coalesce(sum(events), 0), coalesce(sum(balance), 0) FROM limit_summary", connection);
        await using var reader = await check.ExecuteReaderAsync();
        await reader.ReadAsync();
        ProjectionGenRun.Check("SQL limit", plan, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        return stopwatch.Elapsed;
    }

    /// <summary>Times reading every event (sequence, stream, version, type, JSON body, timestamp) with binary COPY.</summary>
    public static async Task<TimeSpan> CopyAllAsync(string connectionString, WorkloadPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        await using var connection = await OpenAsync(connectionString);
        var stopwatch = Stopwatch.StartNew();
        long rows = 0;
        long bytes = 0;
        await using (var export = await connection.BeginBinaryExportAsync(
            "COPY (SELECT seq, stream_id, version, type, data, \"timestamp\" FROM projectiongen.events ORDER BY seq) TO STDOUT (FORMAT BINARY)"))
        {
            while (await export.StartRowAsync() != -1)
            {
                await export.ReadAsync<long>(NpgsqlDbType.Bigint);
                bytes += (await export.ReadAsync<string>(NpgsqlDbType.Text)).Length;
                await export.ReadAsync<long>(NpgsqlDbType.Bigint);
                bytes += (await export.ReadAsync<string>(NpgsqlDbType.Text)).Length;
                bytes += (await export.ReadAsync<string>(NpgsqlDbType.Jsonb)).Length;
                await export.ReadAsync<DateTime>(NpgsqlDbType.TimestampTz);
                rows++;
            }
        }

        stopwatch.Stop();
        if (rows != plan.Events || bytes == 0)
        {
            throw new InvalidOperationException($"COPY read {rows} events, expected {plan.Events}.");
        }

        return stopwatch.Elapsed;
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
