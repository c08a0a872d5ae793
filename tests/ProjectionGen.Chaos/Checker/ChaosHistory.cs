using System.Text.Json;
using Npgsql;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Projections;
using ProjectionGen.EventStore;

namespace ProjectionGen.Chaos.Checker;

/// <summary>Everything a run left behind: the audit trail, the read models, the committed events and every node's lifecycle history.</summary>
internal sealed class ChaosHistory
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public required IReadOnlyList<AuditRow> Audit { get; init; }

    public required IReadOnlyList<EventEnvelope> Events { get; init; }

    public required IReadOnlyDictionary<long, int> LedgerRowsBySequence { get; init; }

    public required IReadOnlyDictionary<string, ChaosCounter> Counters { get; init; }

    public required IReadOnlyList<LifecycleRecord> Lifecycle { get; init; }

    public static async Task<ChaosHistory> ReadAsync(NpgsqlDataSource dataSource, PostgresEventStore store, IEnumerable<string> historyFiles, CancellationToken cancellationToken)
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

        var ledger = new Dictionary<long, int>();
        await using (var command = new NpgsqlCommand("SELECT seq, count(*) FROM chaos_ledger GROUP BY seq", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ledger[reader.GetInt64(0)] = (int)reader.GetInt64(1);
            }
        }

        var counters = new Dictionary<string, ChaosCounter>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT id, data::text FROM projectiongen.doc_chaos_counter", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                counters[reader.GetString(0)] = JsonSerializer.Deserialize<ChaosCounter>(reader.GetString(1), Json)!;
            }
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
            LedgerRowsBySequence = ledger,
            Counters = counters,
            Lifecycle = [.. lifecycle.OrderBy(r => r.At)],
        };
    }
}
