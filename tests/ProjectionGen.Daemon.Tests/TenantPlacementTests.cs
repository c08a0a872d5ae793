using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.Hosting;
using ProjectionGen.Tenancy;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Tenant databases placed over nodes (docs/cluster.md, "Tenant databases over nodes"): <see cref="BalancedTenantDatabases"/>
/// gives each tenant database to one live node of the master registry, balanced and within the budget; each node connects
/// only to its own tenant databases (counted in <c>pg_stat_activity</c> by <c>datname</c> and <c>application_name</c>);
/// a node that leaves has its tenant databases moved to the others, nothing applied twice.
/// </summary>
public sealed class TenantPlacementTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Twelve = [.. Enumerable.Range(0, 12).Select(i => $"tenant-{i:00}")];

    [Fact]
    public void Twelve_tenant_databases_over_three_nodes_are_balanced_four_each_and_every_node_computes_the_same_plan()
    {
        var plan = TenantDatabasePlanner.Plan(Twelve, ["n-a", "n-b", "n-c"], null);
        Assert.All(plan.Values, owner => Assert.NotNull(owner));
        Assert.Equal([4, 4, 4], plan.Values.GroupBy(o => o).Select(g => g.Count()).Order());

        // Listed in another order, by another node: the same plan.
        var again = TenantDatabasePlanner.Plan([.. Twelve.Reverse()], ["n-c", "n-a", "n-b"], null);
        Assert.Equal(plan.OrderBy(p => p.Key), again.OrderBy(p => p.Key));

        // Loads differ by at most one when D is not a multiple of N.
        var ten = TenantDatabasePlanner.Plan([.. Twelve.Take(10)], ["n-a", "n-b", "n-c"], null);
        Assert.Equal([3, 3, 4], ten.Values.GroupBy(o => o).Select(g => g.Count()).Order());
    }

    [Fact]
    public void A_node_that_leaves_moves_its_own_tenant_databases_and_few_others()
    {
        var tenants = Enumerable.Range(0, 60).Select(i => $"t{i}").ToList();
        var before = TenantDatabasePlanner.Plan(tenants, ["n-a", "n-b", "n-c"], null);
        var after = TenantDatabasePlanner.Plan(tenants, ["n-a", "n-b"], null);
        Assert.Equal([30, 30], after.Values.GroupBy(o => o).Select(g => g.Count()).Order());
        Assert.All(before.Where(p => p.Value == "n-c"), p => Assert.NotEqual("n-c", after[p.Key]));

        // Rendezvous ranking: of the 40 on the surviving nodes, nearly all stay (only bounded-load overflow moves).
        var survivorsMoved = before.Count(p => p.Value != "n-c" && after[p.Key] != p.Value);
        Assert.True(survivorsMoved <= 6, $"{survivorsMoved} tenant databases of surviving nodes moved");

        // A node joins: about D/N move to it, few others.
        var joined = TenantDatabasePlanner.Plan(tenants, ["n-a", "n-b", "n-c", "n-d"], null);
        var moved = before.Count(p => joined[p.Key] != p.Value);
        Assert.True(moved <= 15 + 6, $"{moved} tenant databases moved when a fourth node joined");
    }

    [Fact]
    public void A_node_over_budget_takes_none_beyond_it_and_the_rest_is_unplaced()
    {
        var plan = TenantDatabasePlanner.Plan(Twelve, ["n-a", "n-b", "n-c"], 3);
        Assert.Equal([3, 3, 3], plan.Values.Where(o => o is not null).GroupBy(o => o).Select(g => g.Count()).Order());
        Assert.Equal(3, plan.Values.Count(o => o is null));

        // A budget above the balanced share changes nothing.
        Assert.Equal(TenantDatabasePlanner.Plan(Twelve, ["n-a", "n-b", "n-c"], null).OrderBy(p => p.Key), TenantDatabasePlanner.Plan(Twelve, ["n-a", "n-b", "n-c"], 5).OrderBy(p => p.Key));

        // No live node: nothing placed.
        Assert.All(TenantDatabasePlanner.Plan(Twelve, [], null).Values, o => Assert.Null(o));
    }

    [Fact]
    public async Task Twelve_tenant_databases_over_three_nodes_each_node_connects_only_to_its_four_and_a_node_that_leaves_or_joins_moves_them_exactly_once()
    {
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        string[] names = ["tp-a", "tp-b", "tp-c"];
        var databases = new List<TestDatabase>();
        var beds = new List<DaemonTestBed>();
        var nodes = new List<TenantDatabaseNode>();
        await using var masterDatabase = await postgres.CreateDatabaseAsync("tpmaster");
        await using var masterBed = await DaemonTestBed.CreateAsync(masterDatabase.ConnectionString);
        await using var master = NpgsqlDataSource.Create(masterDatabase.ConnectionString);
        try
        {
            for (var i = 0; i < 12; i++)
            {
                databases.Add(await postgres.CreateDatabaseAsync("tptenant"));
                beds.Add(await DaemonTestBed.CreateAsync(databases[i].ConnectionString));
                await beds[i].AppendAsync(40, seed: i + 1);
            }

            var source = new StaticTenantSource(databases.Select((d, i) => new TenantDatabase("tenant-" + i, d.ConnectionString)));
            var datnames = databases.ToDictionary(d => d.Name, d => "tenant-" + databases.IndexOf(d), StringComparer.Ordinal);

            // Each node's own daemon registers in the master database, as the host's does; then its tenant node.
            var masterDaemons = names.ToDictionary(n => n, n => masterBed.CreateDaemon(n, DaemonTestBed.StandardProjections(), Fast));
            foreach (var name in names)
            {
                await masterDaemons[name].StartAsync(Ct);
                var options = TenantDatabaseNodeTests.Options(name);
                options.Assignment = new BalancedTenantDatabases(master, name, loggerFactory: loggerFactory);
                nodes.Add(new TenantDatabaseNode(source, DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), options, loggerFactory));
            }

            foreach (var node in nodes)
            {
                await node.StartAsync(Ct);
            }

            // Balanced 4/4/4: each tenant database has connections of exactly one node, each node to exactly four.
            var placed = await WaitForPlacementAsync(master, datnames, names, TimeSpan.FromSeconds(30));
            Assert.All(names, n => Assert.Equal(4, placed.Values.Count(o => o == n)));
            foreach (var node in nodes)
            {
                Assert.Equal(placed.Where(p => p.Value == node.NodeName).Select(p => p.Key).Order(StringComparer.Ordinal), node.GetTenantStates().Select(s => s.TenantId));
            }

            // tp-c leaves: its master daemon stops first (others reassign while tp-c still runs them: both only try),
            // then its tenant node.
            var leaving = nodes.Single(n => n.NodeName == "tp-c");
            var moved = placed.Where(p => p.Value == "tp-c").Select(p => p.Key).ToList();
            using var stopWriters = new CancellationTokenSource();
            var writers = Task.WhenAll(beds.Select(bed => bed.StartWriters(1, stopWriters.Token, streams: 10)));
            await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
            var clock = Stopwatch.StartNew();
            await masterDaemons["tp-c"].StopAsync(Ct);
            await Eventually.HoldsAsync(
                () => moved.All(t => nodes.Any(n => n != leaving && n.GetTenantStates().Any(s => s.TenantId == t && s.Status == TenantDatabaseStatus.Running))),
                TimeSpan.FromSeconds(15),
                "the leaving node's tenant databases run on the others");
            var takeover = clock.Elapsed;
            await leaving.StopAsync(Ct);
            var after = await WaitForPlacementAsync(master, datnames, ["tp-a", "tp-b"], TimeSpan.FromSeconds(30));
            Assert.All(["tp-a", "tp-b"], n => Assert.Equal(6, after.Values.Count(o => o == n)));
            Assert.DoesNotContain("tp-c", after.Values);

            await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
            await stopWriters.CancelAsync();
            await writers;
            for (var i = 0; i < beds.Count; i++)
            {
                await beds[i].WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
                Assert.Empty(await beds[i].VerifyExactlyOnceAsync());
                Assert.Equal(after["tenant-" + i], (await beds[i].ReadOwnershipAsync("ledger")).Owner);
            }

            TestContext.Current.TestOutputHelper?.WriteLine($"the leaving node's {moved.Count} tenant databases ran elsewhere {takeover.TotalMilliseconds:F0} ms after its master daemon stopped");

            // tp-c comes back (a new process, say): about D/N databases move to it, handed over by their old owners'
            // graceful stops while tp-c already starts them; back to the same 4/4/4 plan, nothing applied twice.
            using var stopWritersAgain = new CancellationTokenSource();
            var writersAgain = Task.WhenAll(beds.Select(bed => bed.StartWriters(1, stopWritersAgain.Token, streams: 10)));
            await masterBed.CreateDaemon("tp-c", DaemonTestBed.StandardProjections(), Fast).StartAsync(Ct);
            var rejoinOptions = TenantDatabaseNodeTests.Options("tp-c");
            rejoinOptions.Assignment = new BalancedTenantDatabases(master, "tp-c", loggerFactory: loggerFactory);
            var rejoined = new TenantDatabaseNode(source, DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), rejoinOptions, loggerFactory);
            nodes.Add(rejoined);
            await rejoined.StartAsync(Ct);
            var again = await WaitForPlacementAsync(master, datnames, names, TimeSpan.FromSeconds(30));
            Assert.Equal(placed.OrderBy(p => p.Key), again.OrderBy(p => p.Key));
            await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
            await stopWritersAgain.CancelAsync();
            await writersAgain;
            for (var i = 0; i < beds.Count; i++)
            {
                await beds[i].WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
                Assert.Empty(await beds[i].VerifyExactlyOnceAsync());
                Assert.Equal(again["tenant-" + i], (await beds[i].ReadOwnershipAsync("ledger")).Owner);
            }
        }
        finally
        {
            await TenantDatabaseNodeTests.DisposeAllAsync(beds, databases, nodes);
        }
    }

    [Fact]
    public async Task A_node_whose_master_lock_connection_drops_for_a_moment_keeps_running_its_own_tenant_databases()
    {
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        string[] names = ["tb-a", "tb-b"];
        var databases = new List<TestDatabase>();
        var beds = new List<DaemonTestBed>();
        var nodes = new List<TenantDatabaseNode>();
        await using var masterDatabase = await postgres.CreateDatabaseAsync("tbmaster");
        await using var masterBed = await DaemonTestBed.CreateAsync(masterDatabase.ConnectionString);
        await using var master = NpgsqlDataSource.Create(masterDatabase.ConnectionString);
        try
        {
            for (var i = 0; i < 4; i++)
            {
                databases.Add(await postgres.CreateDatabaseAsync("tbtenant"));
                beds.Add(await DaemonTestBed.CreateAsync(databases[i].ConnectionString));
            }

            var source = new StaticTenantSource(databases.Select((d, i) => new TenantDatabase("blip-" + i, d.ConnectionString)));
            var datnames = databases.ToDictionary(d => d.Name, d => "blip-" + databases.IndexOf(d), StringComparer.Ordinal);
            foreach (var name in names)
            {
                await masterBed.CreateDaemon(name, DaemonTestBed.StandardProjections(), Fast).StartAsync(Ct);
                var options = TenantDatabaseNodeTests.Options(name);
                options.Assignment = new BalancedTenantDatabases(master, name, loggerFactory: loggerFactory);
                nodes.Add(new TenantDatabaseNode(source, DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), options, loggerFactory));
            }

            foreach (var node in nodes)
            {
                await node.StartAsync(Ct);
            }

            var placed = await WaitForPlacementAsync(master, datnames, names, TimeSpan.FromSeconds(30));
            var mine = placed.Where(p => p.Value == "tb-a").Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
            Assert.NotEmpty(mine);

            // tb-a's master lock connection is ended again and again for 2.5 s (a network blip, a heartbeat timeout under
            // load): it reconnects each time, its heartbeat stays fresh, and it must not drop its own tenant databases.
            var blipping = nodes[0];
            var until = DateTime.UtcNow.AddSeconds(2.5);
            var dropped = new List<string>();
            await using var terminate = master.CreateCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1");
            terminate.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ProjectionDaemon.LockApplicationNameFor("tb-a") });
            while (DateTime.UtcNow < until)
            {
                await terminate.ExecuteScalarAsync(Ct);
                var running = blipping.GetTenantStates().Select(s => s.TenantId).ToHashSet(StringComparer.Ordinal);
                dropped.AddRange(mine.Where(t => !running.Contains(t)));
                await Task.Delay(50, Ct);
            }

            for (var deadline = DateTime.UtcNow.AddSeconds(2); DateTime.UtcNow < deadline; await Task.Delay(50, Ct))
            {
                var running = blipping.GetTenantStates().Select(s => s.TenantId).ToHashSet(StringComparer.Ordinal);
                dropped.AddRange(mine.Where(t => !running.Contains(t)));
            }

            Assert.True(dropped.Count == 0, $"tb-a dropped its own tenant databases while its master lock connection was away: {string.Join(", ", dropped.Distinct())}");
            Assert.Equal(placed.OrderBy(p => p.Key), (await WaitForPlacementAsync(master, datnames, names, TimeSpan.FromSeconds(30))).OrderBy(p => p.Key));
        }
        finally
        {
            await TenantDatabaseNodeTests.DisposeAllAsync(beds, databases, nodes);
        }
    }

    [Fact]
    public async Task Nodes_started_one_after_another_within_the_startup_settle_delay_never_connect_to_more_than_their_share()
    {
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        string[] names = ["ts-a", "ts-b"];
        var databases = new List<TestDatabase>();
        var beds = new List<DaemonTestBed>();
        var nodes = new List<TenantDatabaseNode>();
        await using var masterDatabase = await postgres.CreateDatabaseAsync("tsmaster");
        await using var masterBed = await DaemonTestBed.CreateAsync(masterDatabase.ConnectionString);
        await using var master = NpgsqlDataSource.Create(masterDatabase.ConnectionString);
        try
        {
            for (var i = 0; i < 6; i++)
            {
                databases.Add(await postgres.CreateDatabaseAsync("tstenant"));
                beds.Add(await DaemonTestBed.CreateAsync(databases[i].ConnectionString));
            }

            var source = new StaticTenantSource(databases.Select((d, i) => new TenantDatabase("settle-" + i, d.ConnectionString)));
            var datnames = databases.ToDictionary(d => d.Name, d => "settle-" + databases.IndexOf(d), StringComparer.Ordinal);

            // Sample every node's tenant databases (distinct datnames of its connections) from before the first start.
            using var stopSampling = new CancellationTokenSource();
            var most = names.ToDictionary(n => n, _ => 0, StringComparer.Ordinal);
            var sampling = Task.Run(
                async () =>
                {
                    while (!stopSampling.IsCancellationRequested)
                    {
                        foreach (var (node, count) in await CountTenantDatabasesPerNodeAsync(master, [.. datnames.Keys]))
                        {
                            if (most.TryGetValue(node, out var seen) && count > seen)
                            {
                                most[node] = count;
                            }
                        }

                        await Task.Delay(50, CancellationToken.None);
                    }
                },
                CancellationToken.None);

            // The second node starts 1 s after the first, within the 2 s settle delay.
            foreach (var name in names)
            {
                await masterBed.CreateDaemon(name, DaemonTestBed.StandardProjections(), Fast).StartAsync(Ct);
                var options = TenantDatabaseNodeTests.Options(name);
                options.StartupSettleDelay = TimeSpan.FromSeconds(2);
                options.Assignment = new BalancedTenantDatabases(master, name, loggerFactory: loggerFactory);
                var node = new TenantDatabaseNode(source, DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), options, loggerFactory);
                nodes.Add(node);
                await node.StartAsync(Ct);
                if (name == "ts-a")
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), Ct);
                }
            }

            var placed = await WaitForPlacementAsync(master, datnames, names, TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
            await stopSampling.CancelAsync();
            await sampling;
            Assert.All(names, n => Assert.Equal(3, placed.Values.Count(o => o == n)));
            Assert.True(most.Values.All(m => m <= 3), $"most tenant databases a node connected to: {string.Join(", ", most.Select(p => $"{p.Key}={p.Value}"))} (share 3)");
        }
        finally
        {
            await TenantDatabaseNodeTests.DisposeAllAsync(beds, databases, nodes);
        }
    }

    [Fact]
    public async Task A_node_joining_established_nodes_takes_its_share_without_waiting_for_the_startup_settle_delay()
    {
        // The settle delay is for nodes started together. A node that joins nodes running for longer than it (a restart, a
        // scale-out) is placed by them at once, so waiting out the delay left its share without a node: the at-scale run's
        // restarted node's 22 tenant databases waited its 4 s settle delay after the others had stopped them.
        var logs = new TenantDatabaseNodeTests.CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddFilter("ProjectionGen.Daemon", LogLevel.Warning).AddProvider(logs));
        var settle = TimeSpan.FromSeconds(6);
        var databases = new List<TestDatabase>();
        var beds = new List<DaemonTestBed>();
        var nodes = new List<IAsyncDisposable>();
        await using var masterDatabase = await postgres.CreateDatabaseAsync("tjmaster");
        await using var masterBed = await DaemonTestBed.CreateAsync(masterDatabase.ConnectionString);
        await using var master = NpgsqlDataSource.Create(masterDatabase.ConnectionString);
        try
        {
            for (var i = 0; i < 6; i++)
            {
                databases.Add(await postgres.CreateDatabaseAsync("tjtenant"));
                beds.Add(await DaemonTestBed.CreateAsync(databases[i].ConnectionString));
            }

            var source = new StaticTenantSource(databases.Select((d, i) => new TenantDatabase("join-" + i, d.ConnectionString)));
            var datnames = databases.ToDictionary(d => d.Name, d => "join-" + databases.IndexOf(d), StringComparer.Ordinal);
            async Task StartAsync(string name)
            {
                var daemon = masterBed.CreateDaemon(name, DaemonTestBed.StandardProjections(), Fast);
                nodes.Add(daemon);
                await daemon.StartAsync(Ct);
                var options = TenantDatabaseNodeTests.Options(name);
                options.StartupSettleDelay = settle;
                options.Assignment = new BalancedTenantDatabases(master, name, loggerFactory: loggerFactory);
                var node = new TenantDatabaseNode(source, DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), options, loggerFactory);
                nodes.Insert(0, node);
                await node.StartAsync(Ct);
            }

            await StartAsync("tj-a");
            await WaitForPlacementAsync(master, datnames, ["tj-a"], TimeSpan.FromSeconds(30));

            // From tj-b's start on: the longest any tenant database went without its two slots held.
            var joined = Stopwatch.GetTimestamp();
            await StartAsync("tj-b");
            var since = datnames.Keys.ToDictionary(d => d, _ => (long?)null, StringComparer.Ordinal);
            var longest = TimeSpan.Zero;
            var held = new Dictionary<string, long>(StringComparer.Ordinal);
            while (Stopwatch.GetElapsedTime(joined) < settle + TimeSpan.FromSeconds(4))
            {
                await using (var command = master.CreateCommand(
                    "SELECT a.datname, count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.mode = 'ExclusiveLock' AND a.application_name LIKE 'projectiongen-lock:%' AND a.datname = ANY($1) GROUP BY 1"))
                {
                    command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. datnames.Keys] });
                    held.Clear();
                    await using var reader = await command.ExecuteReaderAsync(Ct);
                    while (await reader.ReadAsync(Ct))
                    {
                        held[reader.GetString(0)] = reader.GetInt64(1);
                    }
                }

                var now = Stopwatch.GetTimestamp();
                foreach (var database in datnames.Keys)
                {
                    if (held.GetValueOrDefault(database) == 2)
                    {
                        since[database] = null;
                    }
                    else
                    {
                        since[database] ??= now;
                        longest = Stopwatch.GetElapsedTime(since[database]!.Value, now) > longest ? Stopwatch.GetElapsedTime(since[database]!.Value, now) : longest;
                    }
                }

                await Task.Delay(50, Ct);
            }

            var placed = await WaitForPlacementAsync(master, datnames, ["tj-a", "tj-b"], TimeSpan.FromSeconds(30));
            TestContext.Current.TestOutputHelper?.WriteLine($"longest a tenant database went without its slots held after tj-b joined: {longest.TotalSeconds:F2} s");
            Assert.All(["tj-a", "tj-b"], n => Assert.Equal(3, placed.Values.Count(o => o == n)));
            Assert.Equal(0, logs.Count(1058, "tj-a"));
            Assert.Equal(1, logs.Count(1058, "tj-b"));
            Assert.True(longest < TimeSpan.FromSeconds(3), $"a tenant database went {longest.TotalSeconds:F2} s without its slots held after tj-b joined (settle delay {settle.TotalSeconds:F0} s)");
        }
        finally
        {
            await TenantDatabaseNodeTests.DisposeAllAsync(beds, databases, nodes);
        }
    }

    /// <summary>How many of <paramref name="datnames"/> each node has connections to, by the node name in their <c>application_name</c>.</summary>
    private static async Task<Dictionary<string, int>> CountTenantDatabasesPerNodeAsync(NpgsqlDataSource any, string[] datnames)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var command = any.CreateCommand("SELECT split_part(application_name, ':', 2), count(DISTINCT datname) FROM pg_stat_activity WHERE datname = ANY($1) AND application_name LIKE 'projectiongen-%:%' GROUP BY 1");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = datnames });
        await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None))
        {
            counts[reader.GetString(0)] = (int)reader.GetInt64(1);
        }

        return counts;
    }

    [Fact]
    public async Task Budget_of_one_over_two_nodes_runs_two_of_three_tenant_databases_and_reports_the_third()
    {
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        await using var masterDatabase = await postgres.CreateDatabaseAsync("tpbudget");
        await using var masterBed = await DaemonTestBed.CreateAsync(masterDatabase.ConnectionString);
        await using var master = NpgsqlDataSource.Create(masterDatabase.ConnectionString);
        foreach (var name in new[] { "tb-a", "tb-b" })
        {
            await masterBed.CreateDaemon(name, DaemonTestBed.StandardProjections(), Fast).StartAsync(Ct);
        }

        // Decisions only (no tenant daemons): the databases need not exist.
        var listed = Enumerable.Range(0, 3).Select(i => new TenantDatabase("budget-" + i, $"Host=nowhere;Database=d{i}")).ToList();
        var a = new BalancedTenantDatabases(master, "tb-a", maxTenantDatabases: 1, loggerFactory: loggerFactory);
        var b = new BalancedTenantDatabases(master, "tb-b", maxTenantDatabases: 1, loggerFactory: loggerFactory);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((await a.AssignAsync(listed, Ct)).Count != 1 || (await b.AssignAsync(listed, Ct)).Count != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "each node takes one within 15 s");
            await Task.Delay(100, Ct);
        }

        var taken = (await a.AssignAsync(listed, Ct)).Concat(await b.AssignAsync(listed, Ct)).Select(d => d.TenantId).ToList();
        Assert.Equal(2, taken.Distinct().Count());
        var left = Assert.Single(a.Unplaced);
        Assert.DoesNotContain(left, taken);
        Assert.Equal(a.Unplaced, b.Unplaced);

        // A node that is not live in the master registry runs nothing.
        var stranger = new BalancedTenantDatabases(master, "tb-unknown", loggerFactory: loggerFactory);
        Assert.Empty(await stranger.AssignAsync(listed, Ct));
    }

    [Fact]
    public async Task A_host_with_balanced_tenant_databases_places_them_over_its_own_databases_registry_within_its_budget()
    {
        await using var main = await postgres.CreateDatabaseAsync("tphostmain");
        await using var first = await postgres.CreateDatabaseAsync("tphost");
        await using var second = await postgres.CreateDatabaseAsync("tphost");
        await using var mainBed = await DaemonTestBed.CreateAsync(main.ConnectionString);
        await using var firstBed = await DaemonTestBed.CreateAsync(first.ConnectionString);
        await using var secondBed = await DaemonTestBed.CreateAsync(second.ConnectionString);
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddProjectionGen(o =>
            {
                o.Daemon.ConnectionString = main.ConnectionString;
                o.Daemon.NodeName = "tp-host";
                o.TenantDatabases["alpha"] = first.ConnectionString;
                o.TenantDatabases["beta"] = second.ConnectionString;
            })
            .AddProjections(DaemonTestBed.StandardProjections())
            .AddEventType<Projections.Deposited>()
            .AddEventType<Projections.Withdrawn>()
            .AddUpcasters(ProjectionGen.Generated.GeneratedUpcasters.All)
            .AddBalancedTenantDatabases(maxTenantDatabases: 1, o => o.TenantPollInterval = TimeSpan.FromMilliseconds(300));
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        var node = provider.GetRequiredService<TenantDatabaseNode>();
        var placement = Assert.IsType<BalancedTenantDatabases>(provider.GetRequiredService<TenantDatabaseNode>().Assignment);
        Assert.Equal("tp-host", placement.NodeName);
        try
        {
            foreach (var service in hosted)
            {
                await service.StartAsync(Ct);
            }

            // One live node (the host's daemon registered in its own database) with a budget of one: it runs one tenant
            // database, the other is reported.
            await Eventually.HoldsAsync(
                () => node.GetTenantStates().Count(s => s.Status == TenantDatabaseStatus.Running) == 1 && placement.Unplaced.Count == 1,
                TimeSpan.FromSeconds(30),
                "one tenant database runs and one is unplaced");
            var running = node.GetTenantStates().Single().TenantId;
            Assert.NotEqual(running, Assert.Single(placement.Unplaced));
            var bed = running == "alpha" ? firstBed : secondBed;
            await bed.AppendAsync(30, seed: 3);
            await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
            Assert.Empty(await bed.VerifyExactlyOnceAsync());
        }
        finally
        {
            for (var i = hosted.Count - 1; i >= 0; i--)
            {
                await hosted[i].StopAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>Waits until every tenant database has connections of exactly its planned node among <paramref name="names"/> and of no other node; returns tenant → node.</summary>
    private static async Task<Dictionary<string, string>> WaitForPlacementAsync(NpgsqlDataSource any, Dictionary<string, string> datnames, string[] names, TimeSpan timeout)
    {
        // Every node computes this plan; the wait ends when the connections match it.
        var expected = TenantDatabasePlanner.Plan([.. datnames.Values], names, null);
        var deadline = DateTime.UtcNow + timeout;
        var seen = new Dictionary<string, List<string>>();
        while (true)
        {
            seen = datnames.Values.ToDictionary(t => t, _ => new List<string>(), StringComparer.Ordinal);
            await using (var command = any.CreateCommand("SELECT DISTINCT datname, split_part(application_name, ':', 2) FROM pg_stat_activity WHERE datname = ANY($1) AND application_name LIKE 'projectiongen-%:%'"))
            {
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. datnames.Keys] });
                await using var reader = await command.ExecuteReaderAsync(Ct);
                while (await reader.ReadAsync(Ct))
                {
                    seen[datnames[reader.GetString(0)]].Add(reader.GetString(1));
                }
            }

            if (seen.All(p => p.Value.Count == 1 && p.Value[0] == expected[p.Key]))
            {
                return seen.ToDictionary(p => p.Key, p => p.Value[0], StringComparer.Ordinal);
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout}: connections per tenant database: {string.Join("; ", seen.OrderBy(p => p.Key).Select(p => $"{p.Key}=[{string.Join(",", p.Value)}]"))}");
            }

            await Task.Delay(100, Ct);
        }
    }

    /// <summary>Short acquire and poll intervals (also used by TenantStatusBoardTests).</summary>
    internal static void Fast(ProjectionDaemonOptions options)
    {
        options.AcquireInterval = TimeSpan.FromMilliseconds(300);
        options.PollInterval = TimeSpan.FromMilliseconds(200);
    }
}
