using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Workload;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>Milliseconds per batch of each step of the aggregate's batch loop other than the commit.</summary>
/// <param name="Batches">Batches replayed.</param>
/// <param name="HighWaterMark">Reading the safe high-water mark once (one round trip); the agent reads it only when it reaches the last one.</param>
/// <param name="ReadEvents">Reading and deserializing one batch of events (one round trip).</param>
/// <param name="LoadDocuments">Loading and deserializing the batch's summary documents (one round trip).</param>
/// <param name="ReadWithDocuments">Reading and deserializing one batch of events and its summaries in one round trip, as the daemon does.</param>
public sealed record BatchSteps(int Batches, double HighWaterMark, double ReadEvents, double LoadDocuments, double ReadWithDocuments);

/// <summary>
/// Replays the aggregate's read side over a caught-up database with the same public store calls and the same document
/// query the daemon makes, timing each step, so the report can say where a batch's time goes.
/// </summary>
public static class BatchAnatomy
{
    /// <summary>Times the read-side steps of every batch of <paramref name="batchSize"/> events up to <paramref name="head"/>.</summary>
    public static async Task<BatchSteps> MeasureAsync(string connectionString, long head, int batchSize)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = ProjectionGenRun.Store(dataSource);
        var types = new[] { store.Types.GetName(typeof(FundsDeposited)), store.Types.GetName(typeof(FundsWithdrawn)) };
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };
        await using var connection = await dataSource.OpenConnectionAsync();
        long mark = 0, read = 0, load = 0, folded = 0;
        var table = new ProjectionGen.Documents.DocumentTable("projectiongen.doc_bench_balance");
        var typeInfo = json.GetTypeInfo(typeof(BalanceSummary));
        const int MarkReads = 20;
        for (var i = 0; i < MarkReads; i++)
        {
            var before = Stopwatch.GetTimestamp();
            await store.ReadSafeHighWaterMarkAsync(connection, CancellationToken.None);
            mark += Stopwatch.GetTimestamp() - before;
        }

        var batches = 0;
        long position = 0;
        while (position < head)
        {
            var t1 = Stopwatch.GetTimestamp();
            var events = await store.ReadAllAsync(connection, position, head, batchSize, types, CancellationToken.None);
            var t2 = Stopwatch.GetTimestamp();
            await using (var command = new NpgsqlCommand("SELECT id, data FROM projectiongen.doc_bench_balance WHERE id = ANY($1)", connection))
            {
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.StreamId).Distinct()], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    _ = reader.GetString(0);
                    _ = JsonSerializer.Deserialize<BalanceSummary>(reader.GetString(1), json);
                }
            }

            var t3 = Stopwatch.GetTimestamp();
            var (foldedEvents, rows) = await store.ReadAllWithAsync(connection, position, head, batchSize, types, null, table.SelectForReadSql, CancellationToken.None);
            foreach (var (_, document) in rows)
            {
                _ = JsonSerializer.Deserialize(document, typeInfo);
            }

            var t4 = Stopwatch.GetTimestamp();
            if (foldedEvents.Count != events.Count || rows.Count == 0)
            {
                throw new InvalidOperationException($"The folded read returned {foldedEvents.Count} events and {rows.Count} documents; the separate read {events.Count} events.");
            }

            read += t2 - t1;
            load += t3 - t2;
            folded += t4 - t3;
            batches++;
            position = events[^1].Sequence;
        }

        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency / batches;
        return new BatchSteps(batches, mark * 1000.0 / Stopwatch.Frequency / MarkReads, Ms(read), Ms(load), Ms(folded));
    }
}
