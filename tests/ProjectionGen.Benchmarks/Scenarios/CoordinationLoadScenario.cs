using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Chaos.Cluster;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Projections;
using ProjectionGen.EventStore;
using ProjectionGen.Testing;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>
/// The load an idle cluster puts on PostgreSQL. Three node processes own every slot of twelve projections,
/// then of 100 projections x 4 shards (400 slots), and nothing is appended; the server counts every statement the
/// nodes run (<c>pg_stat_statements</c>, loaded through <c>shared_preload_libraries</c> on a dedicated throw-away server)
/// and every committed transaction (<c>pg_stat_database.xact_commit</c>) over the measured window.
/// </summary>
public static class CoordinationLoadScenario
{
    private const int Nodes = 3;

    /// <summary>Runs both cluster sizes and adds the coordination-load table.</summary>
    public static async Task RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Each node's batch connections come from an Npgsql pool of at most 100: room for three full pools.
        var serverOptions = new PostgresServerOptions { AllowExternal = false, MaxConnections = 450 };
        serverOptions.Settings["shared_preload_libraries"] = "'pg_stat_statements'";
        serverOptions.Settings["pg_stat_statements.track"] = "top";
        serverOptions.Settings["pg_stat_statements.max"] = "5000";
        await using var server = await PostgresServer.StartAsync(serverOptions);
        var databases = new Databases(server);
        var rows = new List<IReadOnlyList<string>>();
        var notes = new List<string>();
        var idle = Enumerable.Range(0, context.Options.CoordinationProjections).Select(i => $"idle_{i:000}").ToList();
        foreach (var (label, projections) in new (string, IReadOnlyList<string>)[] { ("12 projections", ProjectionSets.Acceptance), ($"{idle.Count} projections x 4 shards", idle) })
        {
            var result = await MeasureAsync(context, databases, label, projections);
            rows.Add([label, result.Slots.ToString(CultureInfo.InvariantCulture), Nodes.ToString(CultureInfo.InvariantCulture),
                BenchReport.Format(result.Seconds, "F0"), BenchReport.Format(result.StatementsPerSecond / Nodes, "F1"),
                BenchReport.Format(result.TransactionsPerSecond / Nodes, "F1"), BenchReport.Format(result.ConnectionsPerNode, "F1"),
                result.WakeUp is { } wake ? BenchReport.Format(wake.TotalMilliseconds, "F0") : "not within 60 s"]);
            context.Report.Measure("coordination", label, "statements_per_second_per_node", result.StatementsPerSecond / Nodes, "1/s");
            context.Report.Measure("coordination", label, "transactions_per_second_per_node", result.TransactionsPerSecond / Nodes, "1/s");
            notes.Add($"{label}, most frequent statements (calls/s over all nodes): "
                + string.Join("; ", result.Top.Select(t => $"{BenchReport.Format(t.PerSecond, "F1")}/s `{t.Query}`")));
        }

        notes.Add("Statements: pg_stat_statements calls (top-level statements, so a function's inner queries are not counted) of the nodes' database; "
            + "transactions: the delta of pg_stat_database.xact_commit, which also counts each statement outside an explicit transaction. Both are for the whole window, divided by the three nodes.");
        context.Report.Add(new ReportSection(
            "Coordination load of an idle cluster",
            $"Three node processes (default settings) own every slot and nothing is appended; the window starts once every slot is held and balanced and lasts {context.Options.CoordinationDuration.TotalSeconds:F0} s.",
            ["cluster", "slots", "nodes", "window s", "statements/s per node", "transactions/s per node", "connections per node", "one event reaches every slot, ms"],
            rows,
            notes));
    }

    private sealed record Load(int Slots, double Seconds, double StatementsPerSecond, double TransactionsPerSecond, double ConnectionsPerNode, IReadOnlyList<(string Query, double PerSecond)> Top, TimeSpan? WakeUp);

    private static async Task<Load> MeasureAsync(BenchContext context, Databases databases, string label, IReadOnlyList<string> projections)
    {
        var database = await databases.CreateAsync("coordination");
        var directory = Path.GetFullPath(Path.Combine(context.Options.OutputDirectory, "cluster-nodes", $"coordination-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
        try
        {
            await using (var setup = new NpgsqlConnection(database))
            {
                await setup.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", setup);
                await create.ExecuteNonQueryAsync();
            }

            await using var cluster = await ClusterHarness.CreateAsync(database, projections, directory, CancellationToken.None, backgroundSampling: false);
            var names = Enumerable.Range(1, Nodes).Select(i => $"n{i}").ToArray();
            foreach (var name in names)
            {
                cluster.AddNode(name, s => s with { CommitDelay = TimeSpan.Zero }).Start();
            }

            context.Progress($"coordination ({label}): waiting for {cluster.Sampler.Slots.Count} slots to be held and balanced");
            var balanced = await cluster.MeasureAsync(s => s.IsBalanced(names), cluster.Nodes[^1].StartedAt, TimeSpan.FromMinutes(3), CancellationToken.None)
                ?? throw new TimeoutException($"{label}: not balanced within 3 minutes: {cluster.Sampler.Latest?.Describe()}");
            context.Progress($"coordination ({label}): balanced {balanced.TotalSeconds:F1} s after the last start; settling, then measuring {context.Options.CoordinationDuration.TotalSeconds:F0} s");
            await Task.Delay(TimeSpan.FromSeconds(5));

            await using var monitor = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database) { Pooling = false, ApplicationName = "bench-monitor" }.ConnectionString);
            await monitor.OpenAsync();
            await ExecuteAsync(monitor, "SELECT pg_stat_statements_reset()");
            var commitsBefore = await CommitsAsync(monitor);
            var started = DateTime.UtcNow;
            await Task.Delay(context.Options.CoordinationDuration);
            var commitsAfter = await CommitsAsync(monitor);
            var seconds = (DateTime.UtcNow - started).TotalSeconds;

            var statements = new List<(string Query, long Calls)>();
            await using (var command = new NpgsqlCommand(
                "SELECT query, calls FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT ILIKE '%pg_stat%' ORDER BY calls DESC", monitor))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    statements.Add((reader.GetString(0), reader.GetInt64(1)));
                }
            }

            double connections;
            await using (var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'projectiongen-%'", monitor))
            {
                connections = (long)(await command.ExecuteScalarAsync())! / (double)Nodes;
            }

            // The monitor's own two statements (the reads of xact_commit) are not the nodes'.
            var transactions = Math.Max(0, commitsAfter - commitsBefore - 2) / seconds;
            var top = statements.Take(4).Select(s => (Shorten(s.Query), s.Calls / seconds)).ToList();
            context.Progress($"coordination ({label}): {statements.Sum(s => s.Calls) / seconds / Nodes:F1} statements/s and {transactions / Nodes:F1} transactions/s per node");

            // After the window: one event, and how long until every slot has projected it (every agent is alive and awake).
            var head = (await cluster.Store.AppendAsync("wake-up", [new Tick(1)], ExpectedVersion.Any)).LastSequence;
            var clock = Stopwatch.StartNew();
            TimeSpan? wakeUp = null;
            while (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await using var command = new NpgsqlCommand("SELECT count(*) FROM projectiongen.progress WHERE name = ANY($1) AND position >= $2", monitor);
                command.Parameters.Add(new NpgsqlParameter { Value = cluster.Sampler.Slots.Slots.ToArray() });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = head });
                if ((long)(await command.ExecuteScalarAsync())! == cluster.Sampler.Slots.Count)
                {
                    wakeUp = clock.Elapsed;
                    break;
                }

                await Task.Delay(20);
            }

            context.Progress($"coordination ({label}): one event reached every slot {(wakeUp is { } w ? $"after {w.TotalMilliseconds:F0} ms" : "NOT within 60 s")}");
            return new Load(cluster.Sampler.Slots.Count, seconds, statements.Sum(s => s.Calls) / seconds, transactions, connections, top, wakeUp);
        }
        finally
        {
            await databases.DropAsync(database);
        }
    }

    private static async Task<long> CommitsAsync(NpgsqlConnection connection)
    {
        // The statistics of the current transaction's snapshot are cached; clear them so each read is fresh.
        await ExecuteAsync(connection, "SELECT pg_stat_clear_snapshot()");
        await using var command = new NpgsqlCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Shorten(string query)
    {
        var flat = string.Join(' ', query.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries)).Replace("|", "\\|", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal);
        return flat.Length <= 90 ? flat : flat[..87] + "...";
    }
}
