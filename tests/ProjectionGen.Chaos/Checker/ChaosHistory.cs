using System.Text.Json;
using Npgsql;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Projections;
using ProjectionGen.EventStore;

namespace ProjectionGen.Chaos.Checker;

/// <summary>
/// Everything a run left behind: the audit trail, the read models of the checked projections, the committed events
/// and every node's lifecycle history.
/// </summary>
internal sealed class ChaosHistory
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The event projections whose table holds one row per applied event (table name = projection name).</summary>
    private static readonly string[] LedgerProjections = ["chaos_ledger", "chaos_sharded_ledger"];

    /// <summary>The ledger tables with a serial id, whose rows' order is the order they were committed in.</summary>
    private static readonly string[] OrderedLedgers = ["chaos_sharded_ledger"];

    public required IReadOnlyList<AuditRow> Audit { get; init; }

    public required IReadOnlyList<EventEnvelope> Events { get; init; }

    /// <summary>Per ledger projection: rows per event sequence.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<long, int>> Ledgers { get; init; }

    /// <summary>Per ordered ledger: its rows (stream, sequence) in the order they were committed.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<(string Stream, long Sequence)>> LedgerOrder { get; init; }

    /// <summary>Per aggregate projection: its documents by stream.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, ChaosCounter>> Aggregates { get; init; }

    public required IReadOnlyList<LifecycleRecord> Lifecycle { get; init; }

    /// <summary>Reads the history of a run whose nodes hosted <paramref name="projections"/>; the ledgers and counters among them are checked.</summary>
    public static async Task<ChaosHistory> ReadAsync(
        NpgsqlDataSource dataSource, PostgresEventStore store, IReadOnlyCollection<string> projections, IEnumerable<string> historyFiles, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var audit = new List<AuditRow>();
        await using (var command = new NpgsqlCommand("SELECT id, projection, epoch, node, from_pos, to_pos, txid, committed_at FROM chaos_audit ORDER BY projection, committed_at, id", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                audit.Add(new AuditRow(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetFieldValue<DateTimeOffset>(7)));
            }
        }

        var ledgers = new Dictionary<string, IReadOnlyDictionary<long, int>>(StringComparer.Ordinal);
        var order = new Dictionary<string, IReadOnlyList<(string, long)>>(StringComparer.Ordinal);
        foreach (var ledger in LedgerProjections.Where(projections.Contains))
        {
            // The table names are constants of this class, never input.
            var rows = new Dictionary<long, int>();
            // chaos_ledger declares its table: the view of its name in the store's schema reads the live generation's copy.
            await using (var command = new NpgsqlCommand($"SELECT seq, count(*) FROM {(ledger == "chaos_ledger" ? "projectiongen.chaos_ledger" : ledger)} GROUP BY seq", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows[reader.GetInt64(0)] = (int)reader.GetInt64(1);
                }
            }

            ledgers[ledger] = rows;
            if (OrderedLedgers.Contains(ledger))
            {
                var committed = new List<(string, long)>();
                await using var command = new NpgsqlCommand($"SELECT stream_id, seq FROM {ledger} ORDER BY id", connection);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    committed.Add((reader.GetString(0), reader.GetInt64(1)));
                }

                order[ledger] = committed;
            }
        }

        var aggregates = new Dictionary<string, IReadOnlyDictionary<string, ChaosCounter>>(StringComparer.Ordinal);
        foreach (var descriptor in projections.Select(p => ProjectionSets.All[p]).Where(d => d.Kind == ProjectionKind.Aggregate && d.DocumentType == typeof(ChaosCounter)))
        {
            // The projection's view: it reads the live generation, whichever a shadow rebuild or a switch back made live.
            var table = PostgresIdentifier.Parse(store.Schema, "schema").Qualify(descriptor.Name);
            var counters = new Dictionary<string, ChaosCounter>(StringComparer.Ordinal);
            try
            {
                await using var command = new NpgsqlCommand($"SELECT id, data::text FROM {table}", connection);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    counters[reader.GetString(0)] = JsonSerializer.Deserialize<ChaosCounter>(reader.GetString(1), Json)!;
                }
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                // No node ever set the projection up: every stream is reported missing.
            }

            aggregates[descriptor.Name] = counters;
        }

        var mark = await store.ReadSafeHighWaterMarkAsync(connection, cancellationToken);
        var events = await store.ReadAllAsync(connection, 0, mark, int.MaxValue, null, cancellationToken);
        var lifecycle = new List<LifecycleRecord>();
        foreach (var file in historyFiles.Where(File.Exists))
        {
            foreach (var line in await File.ReadAllLinesAsync(file, cancellationToken))
            {
                try
                {
                    if (JsonSerializer.Deserialize<LifecycleRecord>(line, Json) is { } record)
                    {
                        lifecycle.Add(record);
                    }
                }
                catch (JsonException)
                {
                    // The line a SIGKILL cut short.
                }
            }
        }

        return new ChaosHistory
        {
            Audit = audit,
            Events = events,
            Ledgers = ledgers,
            LedgerOrder = order,
            Aggregates = aggregates,
            Lifecycle = [.. lifecycle.OrderBy(r => r.At)],
        };
    }
}
