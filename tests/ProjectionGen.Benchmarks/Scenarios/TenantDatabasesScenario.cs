using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Chaos;
using ProjectionGen.Chaos.Cluster;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Projections;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;
using ProjectionGen.Testing;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>
/// A database per tenant at scale (docs/tenancy.md, "Databases per tenant"): N tenant databases (300 by default) with
/// four projections each, listed in the master table of a master database and placed by <c>BalancedTenantDatabases</c>
/// over three node processes (the fault suite's node program with <c>--tenant-projections</c>: each runs its own daemon
/// over the master database, which makes it a member of the master registry, and a <c>TenantDatabaseNode</c>). Measures
/// the time from the processes' start to every tenant slot held, the connections per node (<c>pg_stat_activity</c> by
/// <c>application_name</c>), the idle statements and transactions per node (<c>pg_stat_statements</c> and
/// <c>pg_stat_database.xact_commit</c> per database, each tenant database counted for the node holding its slots), and
/// the catch-up of 60 tenants' backlog after a restart of all three nodes (events/s summed over the 60). Checks every
/// caught-up tenant's ledger and counters against its events.
/// </summary>
public static class TenantDatabasesScenario
{
    private static readonly string[] Names = ["n1", "n2", "n3"];

    /// <summary>The four projections of every tenant database.</summary>
    private static readonly string[] Projections = ["chaos_counter", "chaos_counter_01", "chaos_counter_02", "chaos_ledger"];

    private const string SlotLocksSql = """
        SELECT d.datname, split_part(a.application_name, ':', 2), l.classid::bigint, l.objid::bigint
        FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid JOIN pg_database d ON d.oid = l.database
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.mode = 'ExclusiveLock'
          AND a.application_name LIKE 'projectiongen-lock:%' AND d.datname LIKE 'tenant\_%'
        """;

    /// <summary>Runs the scenario and adds its table.</summary>
    public static async Task RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        var count = options.TenantDatabases;
        var catchUpTenants = Math.Min(options.TenantCatchUpTenants, count);
        var serverOptions = new PostgresServerOptions { AllowExternal = false, MaxConnections = Math.Max(300, (count * 6) + 200) };
        serverOptions.Settings["shared_preload_libraries"] = "'pg_stat_statements'";
        serverOptions.Settings["pg_stat_statements.track"] = "top";
        serverOptions.Settings["pg_stat_statements.max"] = ((count + 2) * 40).ToString(CultureInfo.InvariantCulture);
        await using var server = await PostgresServer.StartAsync(serverOptions);
        var directory = Path.GetFullPath(Path.Combine(options.OutputDirectory, "cluster-nodes", $"tenants-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));

        // One template with the schema, the fault suite's tables and the projections' tables; every tenant a copy of it.
        var clock = Stopwatch.StartNew();
        var template = Connection(server, "ttemplate");
        await AdminAsync(server, "CREATE DATABASE ttemplate");
        await using (var templateSource = NpgsqlDataSource.Create(template))
        {
            await ChaosSchema.ApplyAsync(templateSource, CancellationToken.None);
        }

        await ProjectionSchemaInstaller.ApplyAsync(template, new EventStoreOptions(), ProjectionSets.Create(Projections), CancellationToken.None);
        NpgsqlConnection.ClearAllPools();
        var tenants = Enumerable.Range(0, count).Select(i => (Id: $"tenant-{i:000}", Database: $"tenant_{i:000}")).ToList();
        foreach (var (_, database) in tenants)
        {
            // Names are built from [a-z0-9_] only; CREATE DATABASE takes no parameters.
            await AdminAsync(server, $"CREATE DATABASE {database} TEMPLATE ttemplate");
        }

        await AdminAsync(server, "CREATE DATABASE tmaster");
        var master = Connection(server, "tmaster");
        await ExecuteAsync(master, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        context.Progress($"tenants: {count} tenant databases created from a template in {clock.Elapsed.TotalSeconds:F0} s");

        await using var cluster = await ClusterHarness.CreateAsync(master, ["chaos_counter"], directory, CancellationToken.None, backgroundSampling: false);
        foreach (var (id, database) in tenants)
        {
            await using var insert = cluster.DataSource.CreateCommand("INSERT INTO projectiongen.tenant_databases (tenant_id, connection_string) VALUES ($1, $2)");
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Connection(server, database) });
            await insert.ExecuteNonQueryAsync();
        }

        var slots = new SlotMap("projectiongen", Projections);
        var expected = count * slots.Count;
        await using var monitor = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(master) { Pooling = false, ApplicationName = "bench-monitor" }.ConnectionString);
        await monitor.OpenAsync();

        // Start: the three processes at once; the clock runs until every tenant slot is held by a lock connection.
        var nodes = Names.Select(n => cluster.AddNode(n, s => s with { CommitDelay = TimeSpan.Zero, TenantProjections = Projections, TenantMaxStartRetryDelay = TimeSpan.FromSeconds(30) })).ToList();
        var started = Stopwatch.StartNew();
        foreach (var node in nodes)
        {
            node.Start();
        }

        await WaitForSlotsAsync(monitor, slots, expected, TimeSpan.FromMinutes(options.Smoke ? 3 : 15), context, "start");
        var ownedAfter = started.Elapsed;
        context.Progress($"tenants: all {expected} slots of {count} tenant databases held {ownedAfter.TotalSeconds:F1} s after the nodes' start");

        // Balanced: each tenant database's slots held by one node, the nodes' shares within one of each other.
        var balanced = await WaitForBalanceAsync(monitor, slots, count, TimeSpan.FromMinutes(options.Smoke ? 2 : 5));
        var balancedAfter = started.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(5));
        balanced = (await ReadHoldersAsync(monitor, slots)).Owners;

        // The idle window: nothing appended.
        await ExecuteAsync(monitor, "SELECT pg_stat_statements_reset()");
        var commitsBefore = await CommitsAsync(monitor);
        var window = Stopwatch.StartNew();
        await Task.Delay(options.TenantIdleDuration / 2);
        var connections = await ConnectionsAsync(monitor);
        await Task.Delay(options.TenantIdleDuration / 2);
        var commitsAfter = await CommitsAsync(monitor);
        var seconds = window.Elapsed.TotalSeconds;
        var statements = await StatementsAsync(monitor);

        var rows = new List<IReadOnlyList<string>>();
        foreach (var name in Names)
        {
            var databases = balanced.Where(b => b.Value == name).Select(b => b.Key).ToHashSet(StringComparer.Ordinal);
            var perSecond = statements.Where(s => databases.Contains(s.Key)).Sum(s => s.Value) / seconds;
            var commits = databases.Sum(d => commitsAfter.GetValueOrDefault(d) - commitsBefore.GetValueOrDefault(d)) / seconds;
            var mine = connections.Where(c => c.Node == name).ToList();
            rows.Add([name, databases.Count.ToString(CultureInfo.InvariantCulture), (databases.Count * slots.Count).ToString(CultureInfo.InvariantCulture),
                mine.Sum(c => c.Count).ToString(CultureInfo.InvariantCulture),
                string.Join(", ", mine.Where(c => c.Database != "tmaster").GroupBy(c => c.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Sum(c => c.Count)}")),
                BenchReport.Format(perSecond, "F1"), BenchReport.Format(commits, "F1")]);
            context.Report.Measure("tenants", name, "connections", mine.Sum(c => c.Count), "");
            context.Report.Measure("tenants", name, "idle_statements_per_second", perSecond, "1/s");
            context.Report.Measure("tenants", name, "idle_transactions_per_second", commits, "1/s");
        }

        var masterStatements = statements.GetValueOrDefault("tmaster") / seconds;
        var masterCommits = (commitsAfter.GetValueOrDefault("tmaster") - commitsBefore.GetValueOrDefault("tmaster") - 2) / seconds;
        rows.Add(["master database (the three nodes' own daemons and placement reads)", "-", "-",
            connections.Where(c => c.Database == "tmaster").Sum(c => c.Count).ToString(CultureInfo.InvariantCulture), "",
            BenchReport.Format(masterStatements, "F1"), BenchReport.Format(masterCommits, "F1")]);
        context.Report.Measure("tenants", "all", "seconds_to_every_slot_held", ownedAfter.TotalSeconds, "s");
        context.Progress($"tenants: idle {string.Join("; ", rows.Select(r => $"{r[0]}: {r[3]} connections, {r[5]} statements/s"))}");

        // Catch-up after a restart: every node stops, 60 tenants get a backlog, every node starts again.
        foreach (var node in nodes)
        {
            await node.StopGracefullyAsync(TimeSpan.FromSeconds(60));
        }

        var backlog = tenants.Take(catchUpTenants).ToList();
        var stores = new List<(string Database, NpgsqlDataSource Source, PostgresEventStore Store, long Mark)>();
        try
        {
            foreach (var (_, database) in backlog)
            {
                var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(Connection(server, database)) { ApplicationName = "bench-monitor" }.ConnectionString);
                var store = ChaosSchema.CreateStore(source);
                stores.Add((database, source, store, 0));
            }

            await Task.WhenAll(stores.Select((s, i) => AppendAsync(s.Store, options.TenantCatchUpEvents, i)));
            for (var i = 0; i < stores.Count; i++)
            {
                stores[i] = stores[i] with { Mark = await stores[i].Store.ReadSafeHighWaterMarkAsync(CancellationToken.None) };
            }

            var total = (long)options.TenantCatchUpEvents * stores.Count;
            context.Progress($"tenants: {total} events appended to {stores.Count} tenant databases; restarting the three nodes");
            var restarted = Stopwatch.StartNew();
            foreach (var node in nodes)
            {
                node.Start();
            }

            TimeSpan? firstMove = null;
            TimeSpan? done = null;
            var initial = await PositionsAsync(stores);
            while (restarted.Elapsed < TimeSpan.FromMinutes(options.Smoke ? 3 : 15))
            {
                var positions = await PositionsAsync(stores);
                if (firstMove is null && positions.Any(p => p.Value > initial.GetValueOrDefault(p.Key)))
                {
                    firstMove = restarted.Elapsed;
                }

                if (stores.All(s => Projections.All(p => positions.GetValueOrDefault((s.Database, p)) >= s.Mark)))
                {
                    done = restarted.Elapsed;
                    break;
                }

                await Task.Delay(200);
            }

            if (done is null || firstMove is null)
            {
                throw new TimeoutException($"tenants: the {stores.Count} tenants' backlog was not projected within the bound.");
            }

            await WaitForSlotsAsync(monitor, slots, expected, TimeSpan.FromMinutes(options.Smoke ? 3 : 15), context, "restart");
            var ownedAgainAfter = restarted.Elapsed;
            foreach (var s in stores)
            {
                await VerifyAsync(s.Source, s.Store, s.Database);
            }

            var catchUp = (done.Value - firstMove.Value).TotalSeconds;
            var eventsPerSecond = total / Math.Max(catchUp, 0.001);
            context.Report.Measure("tenants", "all", "catch_up_events_per_second_60_tenants", eventsPerSecond, "events/s");
            context.Progress($"tenants: backlog projected {done.Value.TotalSeconds:F1} s after the restart (first progress at {firstMove.Value.TotalSeconds:F1} s): {eventsPerSecond:F0} events/s over {stores.Count} tenants");

            var notes = new List<string>
            {
                $"Start: the three node processes started at once; every one of the {expected} tenant slots ({count} databases x {slots.Count}) was held by a lock connection {ownedAfter.TotalSeconds:F1} s after the start"
                    + $" (balanced, each database's slots on one node: {balancedAfter.TotalSeconds:F1} s). A node that registers before the others first starts every tenant database and hands most over as the others join (docs/tenancy.md, \"Not there yet\"), so this includes that churn.",
                $"Idle window: {seconds:F0} s with nothing appended, {BenchReport.Format(5, "F0")} s after balance. Statements: pg_stat_statements calls (top level) per database, each tenant database counted for the node that holds its slots; transactions: the delta of pg_stat_database.xact_commit per database likewise. The master database's load (each node's own daemon over it and the placement's registry read every 0.5 s) is shown on its own row.",
                $"Connections: pg_stat_activity by application_name (projectiongen-<kind>:<node>), sampled in the middle of the window; the kinds are the tenant databases' connections, the node's total also counts its connections to the master database.",
                $"Catch-up after a restart: every node stopped gracefully, {options.TenantCatchUpEvents:N0} events appended to each of {stores.Count} tenant databases ({total:N0} in all), every node started again: the first progress came {firstMove.Value.TotalSeconds:F1} s after the restart, all {stores.Count * slots.Count} slots of those tenants reached their marks after {done.Value.TotalSeconds:F1} s; {eventsPerSecond:N0} events/s summed over the {stores.Count} tenants (each event projected by all four projections), from the first progress to the last. Every slot of every tenant held again (checked once the backlog was projected): by {ownedAgainAfter.TotalSeconds:F1} s. Each tenant's ledger and counters were checked against its events.",
                "The nodes are the fault suite's node program (tests/ProjectionGen.Chaos, `node --tenant-projections`): tenant poll interval 0.5 s, start retries from 0.25 s doubling up to 30 s (the library's maximum), an audit row per batch, no commit delay.",
            };
            context.Report.Add(new ReportSection(
                "Tenant databases over three nodes",
                $"{count} tenant databases x {slots.Count} projections ({expected} slots), listed in a master table, placed over three node processes by BalancedTenantDatabases; one PostgreSQL server.",
                ["node", "tenant databases", "slots", "connections", "tenant connections by kind", "idle statements/s", "idle transactions/s"],
                rows,
                notes));
            context.Report.Measure("tenants", "all", "seconds_to_every_slot_held_after_restart", ownedAgainAfter.TotalSeconds, "s");
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.StopGracefullyAsync(TimeSpan.FromSeconds(60));
            }

            foreach (var s in stores)
            {
                await s.Source.DisposeAsync();
            }
        }
    }

    private static string Connection(PostgresServer server, string database) =>
        new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = database }.ConnectionString;

    /// <summary>Waits until <paramref name="expected"/> tenant slots are held; returns the holders by database.</summary>
    private static async Task<Dictionary<string, string>> WaitForSlotsAsync(NpgsqlConnection monitor, SlotMap slots, int expected, TimeSpan bound, BenchContext context, string phase)
    {
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            var (held, owners) = await ReadHoldersAsync(monitor, slots);
            if (held >= expected)
            {
                return owners;
            }

            if (clock.Elapsed > bound)
            {
                throw new TimeoutException($"tenants ({phase}): only {held} of {expected} slots held after {bound}.");
            }

            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(15))
            {
                lastReport = clock.Elapsed;
                context.Progress($"tenants ({phase}): {held} of {expected} slots held after {clock.Elapsed.TotalSeconds:F0} s");
            }

            await Task.Delay(250);
        }
    }

    private static async Task<Dictionary<string, string>> WaitForBalanceAsync(NpgsqlConnection monitor, SlotMap slots, int count, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var (held, owners, mixed) = await ReadHoldersDetailAsync(monitor, slots);
            var shares = Names.Select(n => owners.Count(o => o.Value == n)).ToList();
            if (held == count * slots.Count && mixed == 0 && shares.All(s => s >= count / Names.Length && s <= (count + Names.Length - 1) / Names.Length))
            {
                return owners;
            }

            if (clock.Elapsed > bound)
            {
                return owners;
            }

            await Task.Delay(250);
        }
    }

    private static async Task<(int Held, Dictionary<string, string> Owners)> ReadHoldersAsync(NpgsqlConnection monitor, SlotMap slots)
    {
        var (held, owners, _) = await ReadHoldersDetailAsync(monitor, slots);
        return (held, owners);
    }

    /// <summary>Slots held, the node holding each database's slots (the first seen), and databases whose slots two nodes hold.</summary>
    private static async Task<(int Held, Dictionary<string, string> Owners, int Mixed)> ReadHoldersDetailAsync(NpgsqlConnection monitor, SlotMap slots)
    {
        var holders = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var held = 0;
        await using var command = new NpgsqlCommand(SlotLocksSql, monitor);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (slots.SlotOf(reader.GetInt64(2), reader.GetInt64(3)) is null)
            {
                continue;
            }

            held++;
            var database = reader.GetString(0);
            if (!holders.TryGetValue(database, out var nodes))
            {
                holders[database] = nodes = new HashSet<string>(StringComparer.Ordinal);
            }

            nodes.Add(reader.GetString(1));
        }

        return (held, holders.ToDictionary(h => h.Key, h => h.Value.Order(StringComparer.Ordinal).First(), StringComparer.Ordinal), holders.Count(h => h.Value.Count > 1));
    }

    private static async Task<List<(string Node, string Kind, string Database, long Count)>> ConnectionsAsync(NpgsqlConnection monitor)
    {
        var rows = new List<(string, string, string, long)>();
        await using var command = new NpgsqlCommand(
            "SELECT split_part(application_name, ':', 2), split_part(application_name, ':', 1), datname, count(*) FROM pg_stat_activity WHERE application_name LIKE 'projectiongen-%:%' GROUP BY 1, 2, 3", monitor);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1).Replace("projectiongen-", "", StringComparison.Ordinal), reader.GetString(2), reader.GetInt64(3)));
        }

        return rows;
    }

    private static async Task<Dictionary<string, long>> CommitsAsync(NpgsqlConnection monitor)
    {
        await ExecuteAsync(monitor, "SELECT pg_stat_clear_snapshot()");
        var commits = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT datname, xact_commit FROM pg_stat_database WHERE datname IS NOT NULL", monitor);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            commits[reader.GetString(0)] = reader.GetInt64(1);
        }

        return commits;
    }

    /// <summary>pg_stat_statements calls per database (the monitor's own statistics reads left out).</summary>
    private static async Task<Dictionary<string, long>> StatementsAsync(NpgsqlConnection monitor)
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(
            "SELECT d.datname, sum(s.calls)::bigint FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE s.query NOT ILIKE '%pg_stat%' AND s.query NOT ILIKE '%pg_locks%' GROUP BY d.datname", monitor);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            calls[reader.GetString(0)] = reader.GetInt64(1);
        }

        return calls;
    }

    private static async Task<Dictionary<(string Database, string Projection), long>> PositionsAsync(IEnumerable<(string Database, NpgsqlDataSource Source, PostgresEventStore Store, long Mark)> stores)
    {
        var positions = new Dictionary<(string, string), long>();
        foreach (var s in stores)
        {
            await using var command = s.Source.CreateCommand("SELECT name, position FROM projectiongen.progress");
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                positions[(s.Database, reader.GetString(0))] = reader.GetInt64(1);
            }
        }

        return positions;
    }

    private static async Task AppendAsync(PostgresEventStore store, int events, int seed)
    {
        var random = new Random(seed);
        for (var appended = 0; appended < events;)
        {
            var batch = Math.Min(20, events - appended);
            await store.AppendAsync($"counter-{random.Next(50)}", [.. Enumerable.Range(0, batch).Select(_ => (object)new Tick(random.Next(1, 100)))], ExpectedVersion.Any);
            appended += batch;
        }
    }

    /// <summary>The ledger has one row per event and each counter projection's total count equals the events.</summary>
    private static async Task VerifyAsync(NpgsqlDataSource source, PostgresEventStore store, string database)
    {
        var mark = await store.ReadSafeHighWaterMarkAsync(CancellationToken.None);
        var events = await store.ReadAllAsync(0, mark, int.MaxValue, null, CancellationToken.None);
        await using (var command = source.CreateCommand("SELECT count(*), count(DISTINCT seq) FROM projectiongen.chaos_ledger"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            if (reader.GetInt64(0) != events.Count || reader.GetInt64(1) != events.Count)
            {
                throw new InvalidOperationException($"tenants: {database}'s ledger has {reader.GetInt64(0)} rows ({reader.GetInt64(1)} events) for {events.Count} events.");
            }
        }

        foreach (var projection in Projections.Where(p => p.StartsWith("chaos_counter", StringComparison.Ordinal)))
        {
            // The projection names are constants of this class.
            await using var command = source.CreateCommand($"SELECT coalesce(sum(coalesce(data->>'count', data->>'Count')::bigint), 0)::bigint FROM projectiongen.{projection}");
            var counted = (long)(await command.ExecuteScalarAsync())!;
            if (counted != events.Count)
            {
                throw new InvalidOperationException($"tenants: {database}'s {projection} counted {counted} of {events.Count} events.");
            }
        }
    }

    private static async Task AdminAsync(PostgresServer server, string sql)
    {
        await using var connection = await server.OpenAdminConnectionAsync();
        await ExecuteAsync(connection, sql);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
