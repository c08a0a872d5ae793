using System.Text.Json;
using Npgsql;
using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A projection of a rare event type, far behind on a store of millions of events: each read must touch a bounded
/// number of rows and buffers (an index on type and sequence), not scan everything between its position and the mark.
/// Asserts rows and buffers, never time.
/// </summary>
public sealed class TypeFilteredReadTests(PostgresFixture postgres)
{
    private const int Events = 2_000_000;
    private const int RareEvery = 250_000;
    private const int BatchSize = 500;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_read_of_a_rare_type_touches_a_bounded_number_of_rows_and_buffers_on_millions_of_events()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "typedreads");
        var common = scope.Types.GetName(typeof(ItemAdded));
        var rare = scope.Types.GetName(typeof(CustomerRenamed));
        await SeedAsync(scope, common, rare);
        var mark = await scope.Store.ReadSafeHighWaterMarkAsync(Ct);
        Assert.Equal(Events + 1, mark);

        // The rare type from the very beginning (eight events spread over two million); both types from the
        // beginning (a full batch); the rare type from just after its last event (nothing to read).
        var (rareRead, rareRows) = await ReadCountingRowsAsync(scope, 0, mark, [rare]);
        var rareBuffers = await ExplainBuffersAsync(scope, 0, mark, [rare]);
        var (mixedRead, mixedRows) = await ReadCountingRowsAsync(scope, 0, mark, [common, rare]);
        var mixedBuffers = await ExplainBuffersAsync(scope, 0, mark, [common, rare]);
        var (none, noneRows) = await ReadCountingRowsAsync(scope, rareRead.Count > 0 ? rareRead[^1].Sequence : 0, mark, [rare]);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Events} events: rare read {rareRows} rows / {rareBuffers} buffers; two-type read {mixedRows} rows / {mixedBuffers} buffers; empty read {noneRows} rows");

        Assert.Equal(Events / RareEvery, rareRead.Count);
        Assert.All(rareRead, e => Assert.Equal(rare, e.EventType));
        Assert.True(rareRows <= BatchSize, $"The rare-type read touched {rareRows} rows of the events table.");
        Assert.True(rareBuffers <= 200, $"The rare-type read touched {rareBuffers} buffers.");

        Assert.Equal(BatchSize, mixedRead.Count);
        Assert.Equal(Enumerable.Range(1, BatchSize).Select(i => (long)i), mixedRead.Select(e => e.Sequence));
        Assert.True(mixedRows <= 2 * BatchSize, $"The two-type read touched {mixedRows} rows.");
        Assert.True(mixedBuffers <= 200, $"The two-type read touched {mixedBuffers} buffers.");

        Assert.Empty(none);
        Assert.True(noneRows <= 1, $"An empty rare-type read touched {noneRows} rows.");
    }

    // Seeds set-based in one transaction under the append protocol: the first append_events call takes the marker and a
    // transaction id and marks the transaction, so the bulk INSERT that follows in it is allowed and safe.
    private static async Task SeedAsync(StoreScope scope, string common, string rare)
    {
        await using var connection = await scope.DataSource.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        await scope.Store.AppendAsync(connection, "seed", [new ItemAdded("seed", 0)], ExpectedVersion.NoStream, null, Ct);
        await using (var bulk = new NpgsqlCommand(
            """
            INSERT INTO projectiongen.events (seq, stream_id, version, type, data)
            SELECT nextval('projectiongen.events_seq'), 'bulk-' || (g % 1000), g / 1000 + 1,
                   CASE WHEN g % $3 = 0 THEN $2 ELSE $1 END, '{}'::jsonb
            FROM generate_series(1, $4) g
            """,
            connection))
        {
            bulk.CommandTimeout = 600;
            bulk.Parameters.Add(new NpgsqlParameter { Value = common });
            bulk.Parameters.Add(new NpgsqlParameter { Value = rare });
            bulk.Parameters.Add(new NpgsqlParameter { Value = RareEvery });
            bulk.Parameters.Add(new NpgsqlParameter { Value = Events });
            Assert.Equal(Events, await bulk.ExecuteNonQueryAsync(Ct));
        }

        await transaction.CommitAsync(Ct);
        await using var analyze = new NpgsqlCommand("VACUUM ANALYZE projectiongen.events", connection) { CommandTimeout = 600 };
        await analyze.ExecuteNonQueryAsync(Ct);
    }

    // The store's own read, inside a transaction so that this backend's not yet reported table statistics
    // (pg_stat_xact_user_tables) count exactly the rows it fetched from the events table.
    private static async Task<(IReadOnlyList<EventEnvelope> Events, long Rows)> ReadCountingRowsAsync(StoreScope scope, long after, long upTo, string[] types)
    {
        // A new session, so that no statistics of earlier transactions are still pending in it.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(scope.Database.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);

        // Parallel workers report their own rows; without them every row read is counted here.
        await using (var serial = new NpgsqlCommand("SET LOCAL max_parallel_workers_per_gather = 0", connection))
        {
            await serial.ExecuteNonQueryAsync(Ct);
        }

        var read = await scope.Store.ReadAllAsync(connection, after, upTo, BatchSize, types, Ct);
        await using var stats = new NpgsqlCommand(
            "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables WHERE relid = 'projectiongen.events'::regclass",
            connection);
        var rows = (long)(await stats.ExecuteScalarAsync(Ct))!;
        await transaction.RollbackAsync(Ct);
        return (read, rows);
    }

    private static async Task<long> ExplainBuffersAsync(StoreScope scope, long after, long upTo, string[] types)
    {
        await using var connection = await scope.DataSource.OpenConnectionAsync(Ct);
        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + scope.Store.ReadAllOfTypesSql, connection);
        explain.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        explain.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        explain.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BatchSize });
        explain.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types });
        using var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync(Ct))!);
        var root = plan.RootElement[0].GetProperty("Plan");
        TestContext.Current.TestOutputHelper?.WriteLine(plan.RootElement.ToString());
        return root.GetProperty("Shared Hit Blocks").GetInt64() + root.GetProperty("Shared Read Blocks").GetInt64();
    }
}
