using Npgsql;
using ProjectionGen.Chaos.Projections;
using ProjectionGen.EventStore;

namespace ProjectionGen.Chaos;

/// <summary>The fault suite's tables and its event store.</summary>
internal static class ChaosSchema
{
    /// <summary>Written by every node inside every batch transaction, right after the fenced progress update.</summary>
    public const string AuditInsertSql =
        "INSERT INTO chaos_audit (projection, epoch, node, from_pos, to_pos, txid, committed_at) VALUES ($1, $2, $3, $4, $5, txid_current(), clock_timestamp())";

    private static readonly string[] Tables =
    [
        // In the store's schema, where a projection's declared tables live; a view over the live generation's copy once a node ran it.
        "CREATE TABLE IF NOT EXISTS projectiongen.chaos_ledger (seq bigint NOT NULL, stream_id text NOT NULL, amount int NOT NULL)",
        "CREATE TABLE IF NOT EXISTS chaos_sharded_ledger (id bigserial PRIMARY KEY, seq bigint NOT NULL, stream_id text NOT NULL, amount int NOT NULL)",
        "CREATE TABLE IF NOT EXISTS chaos_audit (id bigserial PRIMARY KEY, projection text NOT NULL, epoch bigint NOT NULL, node text NOT NULL, from_pos bigint NOT NULL, to_pos bigint NOT NULL, txid bigint NOT NULL, committed_at timestamptz NOT NULL)",
    ];

    /// <summary>The fault suite's store; <paramref name="prepareStatements"/> is off for connections through a pooler in transaction mode.</summary>
    public static PostgresEventStore CreateStore(NpgsqlDataSource dataSource, bool prepareStatements = true) =>
        new(dataSource, new EventStoreOptions { PrepareStatements = prepareStatements }, Registry());

    /// <summary>The fault suite's event types.</summary>
    public static EventTypeRegistry Registry() => new EventTypeRegistry().Register<Tick>();

    public static async Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await CreateStore(dataSource).ApplySchemaAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var sql in Tables)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
