using Npgsql;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Benchmarks.Workload;
using ProjectionGen.Guard;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>
/// The aggregate's catch-up rate at larger event counts (the catch-up table's workload shape: the same
/// streams, the same events per append), each with the shipped defaults, against the catch-up table's figure: a rate
/// that stays flat means nothing per batch grows with the table.
/// </summary>
public static class ScaleScenario
{
    private static async Task<(long Read, long Hit)> BlocksAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using (var clear = new NpgsqlCommand("SELECT pg_stat_clear_snapshot()", connection))
        {
            await clear.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand("SELECT blks_read, blks_hit FROM pg_stat_database WHERE datname = current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<string> DocumentTableAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pg_total_relation_size(relid), n_tup_upd, n_tup_hot_upd, n_dead_tup FROM pg_stat_user_tables WHERE schemaname = 'projectiongen' AND relname = 'doc_bench_balance'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? $"{reader.GetInt64(0) / 1048576.0:F0} MiB, {reader.GetInt64(1):N0} ({reader.GetInt64(2):N0}), {reader.GetInt64(3):N0}"
            : "";
    }

    /// <summary>Seeds and catches up each of <see cref="BenchOptions.ScaleEvents"/>; reports the rates and the flatness goal.</summary>
    public static async Task RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        var rows = new List<IReadOnlyList<string>>();
        var baseline = context.MemoryRuns.FirstOrDefault(r => r.Events == options.Events && r.BatchSize == 500);
        if (baseline.Result is not null)
        {
            rows.Add([$"{options.Events:N0} (the catch-up table's best run)", BenchReport.Format(baseline.Result.Elapsed.TotalSeconds, "F2"),
                BenchReport.Format(baseline.Result.EventsPerSecond(options.Events), "N0"), "1.00", BenchReport.Format(baseline.Result.PeakHeapDelta / 1048576.0, "F1"), "", "", ""]);
        }

        (int Events, CatchUpResult Result)? largest = null;
        foreach (var events in options.ScaleEvents.Order())
        {
            var plan = new WorkloadPlan(events, options.Streams, options.EventsPerAppend);
            var database = await context.Databases.CreateAsync("scale");
            try
            {
                context.Progress($"scale: seeding {events:N0} events over {plan.Streams:N0} streams");
                var head = await ProjectionGenRun.SeedAsync(database, plan);
                NpgsqlConnection.ClearAllPools();
                await Databases.SettleAsync(database);
                context.Progress($"scale: aggregate catch-up of {events:N0} events");
                var before = await BlocksAsync(database);
                var result = await ProjectionGenRun.CatchUpAsync(database, new BalanceProjection(), head, CommitFencing.Full, TimeSpan.FromMinutes(30));
                var after = await BlocksAsync(database);
                var documents = await DocumentTableAsync(database);
                await ProjectionGenRun.VerifyBalancesAsync(database, plan);
                context.Progress($"scale: {events:N0} events in {result.Elapsed.TotalSeconds:F1} s, {result.EventsPerSecond(events):N0} events/s");
                var ratio = baseline.Result is null ? double.NaN : result.EventsPerSecond(events) / baseline.Result.EventsPerSecond(options.Events);
                rows.Add([events.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), BenchReport.Format(result.Elapsed.TotalSeconds, "F2"),
                    BenchReport.Format(result.EventsPerSecond(events), "N0"), BenchReport.Format(ratio, "F2"), BenchReport.Format(result.PeakHeapDelta / 1048576.0, "F1"),
                    BenchReport.Format((after.Read - before.Read) * 1000.0 / events, "F1"), BenchReport.Format((after.Hit - before.Hit) * 1000.0 / events, "F0"),
                    documents]);
                context.Report.Measure("scale", $"{events} events", "events_per_second", result.EventsPerSecond(events), "events/s");
                context.Report.Measure("scale", $"{events} events", "peak_gc_heap_delta_mib", result.PeakHeapDelta / 1048576.0, "MiB");
                largest = (events, result);
            }
            finally
            {
                await context.Databases.DropAsync(database);
            }
        }

        context.Report.Add(new ReportSection(
            "Catch-up at scale",
            $"The ProjectionGen aggregate with the shipped defaults on {options.Streams:N0} streams, {options.EventsPerAppend} events of one stream per append (the catch-up table's shape), one run per size, each checked.",
            ["events", "seconds", "events/s", "rate vs the catch-up table", "peak GC heap Δ MiB", "blocks read from outside shared buffers per 1,000 events", "shared-buffer hits per 1,000 events", "document table after: size, updates (HOT), dead rows"],
            rows,
            ["One run per size against the best of several at the catch-up table's size: this shared machine's noise (±10 % and more) applies.",
             "Blocks: the pg_stat_database delta of the run's database over the catch-up (blks_read: not in shared_buffers, 128 MB here; read from the OS cache or disk); document table: pg_total_relation_size and pg_stat_user_tables after the catch-up."]));

        if (largest is { } large && baseline.Result is not null)
        {
            var ratio = large.Result.EventsPerSecond(large.Events) / baseline.Result.EventsPerSecond(options.Events) * 100;
            context.Report.AtLeast($"catch-up at {large.Events:N0} events vs at {options.Events:N0}", ratio, 90, "F0", " %");
        }
    }
}
