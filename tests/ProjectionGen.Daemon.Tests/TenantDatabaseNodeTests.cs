using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;
using ProjectionGen.Tenancy;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A database per tenant on real PostgreSQL (docs/tenancy.md, "Databases per tenant"): a node runs one daemon per tenant
/// database of its source, every tenant projects exactly, tenants added to and removed from the master table are started
/// and stopped (connections closed) within 5 s, a tenant database that is down stalls only itself and resumes, and no
/// connection string (nor its password) appears in a log line, an error or a state.
/// </summary>
public sealed class TenantDatabaseNodeTests(PostgresFixture postgres)
{
    private static readonly TimeSpan FiveSeconds = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_static_source_of_three_tenant_databases_projects_every_one_exactly_without_showing_a_connection_string()
    {
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        var databases = new List<TestDatabase>();
        var beds = new List<DaemonTestBed>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                databases.Add(await postgres.CreateDatabaseAsync("tenantstatic"));
                beds.Add(await DaemonTestBed.CreateAsync(databases[i].ConnectionString));
                await beds[i].AppendAsync(60, seed: i + 1);
            }

            var source = new StaticTenantSource(databases.Select((d, i) => new TenantDatabase("tenant-" + i, d.ConnectionString)));
            await using var node = new TenantDatabaseNode(source, DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), Options("tn-static"), loggerFactory);
            await node.StartAsync(Ct);
            await WaitForStatusAsync(node, TimeSpan.FromSeconds(30), TenantDatabaseStatus.Running, "tenant-0", "tenant-1", "tenant-2");

            // More events while the node runs; each tenant's daemon catches up in its own database.
            await Task.WhenAll(beds.Select((bed, i) => bed.AppendAsync(80, seed: 10 + i)));
            foreach (var bed in beds)
            {
                await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
                Assert.Empty(await bed.VerifyExactlyOnceAsync());
                Assert.Equal("tn-static", (await bed.ReadOwnershipAsync("ledger")).Owner);
            }

            var states = node.GetTenantStates();
            Assert.Equal(["tenant-0", "tenant-1", "tenant-2"], states.Select(s => s.TenantId));
            Assert.All(states, s => Assert.Equal(2, s.Slots.Count));
            Assert.DoesNotContain("Password", (await source.ReadAsync(Ct))[0].ToString(), StringComparison.OrdinalIgnoreCase);
            AssertNoSecret(logs, states, databases.Select(d => d.ConnectionString));

            // Each tenant daemon's own lines name its tenant (docs/tenancy.md, "Operations per tenant").
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(2, logs.Lines.Count(l => l.EventId == 1001 && l.Text.StartsWith($"tenant tenant-{i}: Lock acquired: projection ", StringComparison.Ordinal)));
            }

            Assert.DoesNotContain(logs.Lines, l => l.EventId == 1001 && !l.Text.StartsWith("tenant tenant-", StringComparison.Ordinal));
        }
        finally
        {
            await DisposeAllAsync(beds, databases);
        }
    }

    [Fact]
    public void A_tenant_daemons_lines_carry_the_tenant_in_their_text_and_in_a_scope_and_keep_their_event_id_and_state()
    {
        var scoped = new ScopeCapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(scoped));
        using var tenantFactory = new TenantLoggerFactory(loggerFactory, "acme");
        var logger = tenantFactory.CreateLogger("ProjectionGen.Daemon.ProjectionDaemon");

        KeyValuePair<string, object?>[] lineState = [new("Projection", "ledger")];
        logger.Log(LogLevel.Information, new EventId(1001), lineState, null, (state, _) => "Lock acquired: projection " + state[0].Value);

        var (eventId, text, state, scope) = Assert.Single(scoped.Lines);
        Assert.Equal(1001, eventId);
        Assert.Equal("tenant acme: Lock acquired: projection ledger", text);
        Assert.Equal(new[] { new KeyValuePair<string, object?>("Projection", "ledger") }, Assert.IsType<KeyValuePair<string, object?>[]>(state));
        Assert.Equal(new[] { new KeyValuePair<string, object?>("TenantId", "acme") }, scope!.ToArray());
        Assert.Equal("tenant acme", scope!.ToString());
        Assert.Throws<NotSupportedException>(() => tenantFactory.AddProvider(scoped));
    }

    [Fact]
    public async Task Two_nodes_given_the_same_tenant_databases_share_each_ones_slots_and_a_stopped_node_hands_them_over_exactly_once()
    {
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(logs));
        var databases = new List<TestDatabase>();
        var beds = new List<DaemonTestBed>();
        using var stopWriters = new CancellationTokenSource();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                databases.Add(await postgres.CreateDatabaseAsync("tenantshared"));
                beds.Add(await DaemonTestBed.CreateAsync(databases[i].ConnectionString));
            }

            var source = new StaticTenantSource(databases.Select((d, i) => new TenantDatabase("shared-" + i, d.ConnectionString)));
            await using var x = new TenantDatabaseNode(source, DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), Options("tn-x"), loggerFactory);
            await using var y = new TenantDatabaseNode(source, DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), Options("tn-y"), loggerFactory);
            var writers = Task.WhenAll(beds.Select(bed => bed.StartWriters(2, stopWriters.Token)));
            await x.StartAsync(Ct);
            await y.StartAsync(Ct);
            await WaitForStatusAsync(x, TimeSpan.FromSeconds(30), TenantDatabaseStatus.Running, "shared-0", "shared-1");
            await WaitForStatusAsync(y, TimeSpan.FromSeconds(30), TenantDatabaseStatus.Running, "shared-0", "shared-1");

            // In each tenant database the two nodes split the two slots, as two nodes of one database do.
            await Eventually.HoldsAsync(
                () => new[] { "shared-0", "shared-1" }.All(t => new[] { x, y }.All(n => n.GetTenantStates().Single(s => s.TenantId == t).Slots.Count(s => s.Status == Daemon.AgentStatus.Running) == 1)),
                TimeSpan.FromSeconds(30),
                "each node runs one slot of each tenant database");

            // One node stops (gracefully): the other takes its slots in every tenant database; nothing is applied twice.
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            await x.StopAsync(Ct);
            Assert.All(x.GetTenantStates(), s => Assert.Equal(TenantDatabaseStatus.Stopped, s.Status));
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            await stopWriters.CancelAsync();
            await writers;
            foreach (var bed in beds)
            {
                await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
                Assert.Empty(await bed.VerifyExactlyOnceAsync());
                Assert.Equal("tn-y", (await bed.ReadOwnershipAsync("ledger")).Owner);
                Assert.Equal("tn-y", (await bed.ReadOwnershipAsync("account_balance")).Owner);
            }
        }
        finally
        {
            await stopWriters.CancelAsync();
            await DisposeAllAsync(beds, databases);
        }
    }

    [Fact]
    public async Task Rows_added_to_and_removed_from_the_master_table_start_and_stop_their_tenant_within_five_seconds()
    {
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        var databases = new List<TestDatabase>();
        var beds = new List<DaemonTestBed>();
        await using var masterDatabase = await postgres.CreateDatabaseAsync("tenantmaster");
        await using var master = NpgsqlDataSource.Create(masterDatabase.ConnectionString);
        try
        {
            await ProjectionSchemaInstaller.ApplyAsync(masterDatabase.ConnectionString, new EventStoreOptions(), [], Ct);
            for (var i = 0; i < 3; i++)
            {
                databases.Add(await postgres.CreateDatabaseAsync("tenantrow"));
                beds.Add(await DaemonTestBed.CreateAsync(databases[i].ConnectionString));
                await beds[i].AppendAsync(40, seed: i + 1);
                await InsertRowAsync(master, "t" + i, databases[i].ConnectionString);
            }

            // A row whose tenant id is invalid is skipped, and logged once however often the table is read.
            await InsertRowAsync(master, " padded", databases[0].ConnectionString);

            await using var node = new TenantDatabaseNode(new MasterTableTenantSource(master, loggerFactory: loggerFactory), DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), Options("tn-master"), loggerFactory);
            await node.StartAsync(Ct);
            await WaitForStatusAsync(node, TimeSpan.FromSeconds(30), TenantDatabaseStatus.Running, "t0", "t1", "t2");
            await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
            Assert.Equal(1, logs.Count(1055, "white space"));
            Assert.Equal(["t0", "t1", "t2"], node.GetTenantStates().Select(s => s.TenantId));
            foreach (var bed in beds)
            {
                await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
            }

            // A 4th tenant whose database has no ProjectionGen schema yet (only the ledger projection's own table): the
            // node applies the schema on first use and projects it within 5 s of the row's insert.
            var fourth = await postgres.CreateDatabaseAsync("tenantnew");
            databases.Add(fourth);
            await ExecuteAsync(fourth.ConnectionString, Projections.LedgerProjection.CreateTableSql);
            var added = Stopwatch.StartNew();
            await InsertRowAsync(master, "t3", fourth.ConnectionString);
            await WaitForStatusAsync(node, FiveSeconds, TenantDatabaseStatus.Running, "t3");
            var bed4 = await DaemonTestBed.CreateAsync(fourth.ConnectionString);
            beds.Add(bed4);
            await bed4.AppendAsync(50, seed: 4);
            await bed4.WaitForCatchUpAsync(FiveSeconds, "ledger", "account_balance");
            Assert.True(added.Elapsed < TimeSpan.FromSeconds(10), $"the new tenant was projected {added.Elapsed} after its row was added");
            Assert.Empty(await bed4.VerifyExactlyOnceAsync());
            Assert.Equal("tn-master", (await bed4.ReadOwnershipAsync("account_balance")).Owner);

            // Removing t1's row stops its daemon (locks released) and closes this node's connections to it within 5 s.
            var removedName = databases[1].Name;
            Assert.True(await CountConnectionsAsync(master, removedName, "tn-master") > 0);
            var removed = Stopwatch.StartNew();
            await ExecuteAsync(masterDatabase.ConnectionString, "DELETE FROM projectiongen.tenant_databases WHERE tenant_id = 't1'");
            await WaitForStatusAsync(node, FiveSeconds, TenantDatabaseStatus.Stopped, "t1");
            while (await CountConnectionsAsync(master, removedName, "tn-master") > 0)
            {
                Assert.True(removed.Elapsed < FiveSeconds, $"node tn-master still has connections to {removedName} {removed.Elapsed} after its row was removed");
                await Task.Delay(50, Ct);
            }

            Assert.Equal(0L, await ScalarAsync<long>(databases[1].ConnectionString, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));
            Assert.Equal(1, logs.Count(1053, "t1"));

            // The others keep running, and keep projecting.
            await beds[0].AppendAsync(30, seed: 20);
            await beds[0].WaitForCatchUpAsync(TimeSpan.FromSeconds(30), "ledger", "account_balance");
            Assert.Empty(await beds[0].VerifyExactlyOnceAsync());

            // The master table unreadable (a source failure): the tenants running keep running, and a row's return is seen.
            await ExecuteAsync(masterDatabase.ConnectionString, "ALTER TABLE projectiongen.tenant_databases RENAME TO tenant_databases_away");
            await Eventually.HoldsAsync(() => logs.Count(1054, "tn-master") > 0, TimeSpan.FromSeconds(10), "the source failure is logged");
            Assert.Equal(TenantDatabaseStatus.Running, node.GetTenantStates().Single(s => s.TenantId == "t0").Status);
            await beds[2].AppendAsync(20, seed: 21);
            await beds[2].WaitForCatchUpAsync(TimeSpan.FromSeconds(30), "ledger", "account_balance");
            await ExecuteAsync(masterDatabase.ConnectionString, "ALTER TABLE projectiongen.tenant_databases_away RENAME TO tenant_databases");
            await InsertRowAsync(master, "t1", databases[1].ConnectionString);
            await WaitForStatusAsync(node, TimeSpan.FromSeconds(10), TenantDatabaseStatus.Running, "t0", "t1", "t2", "t3");
            await beds[1].AppendAsync(20, seed: 22);
            await beds[1].WaitForCatchUpAsync(TimeSpan.FromSeconds(30), "ledger", "account_balance");
            foreach (var bed in beds)
            {
                Assert.Empty(await bed.VerifyExactlyOnceAsync());
            }

            AssertNoSecret(logs, node.GetTenantStates(), databases.Select(d => d.ConnectionString).Append(masterDatabase.ConnectionString));
        }
        finally
        {
            await DisposeAllAsync(beds, databases);
        }
    }

    [Fact]
    public async Task A_tenant_database_that_is_down_stalls_only_itself_shows_failed_with_a_safe_error_and_resumes()
    {
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        await using var other = await DedicatedPostgres.StartAsync();
        var databases = new List<TestDatabase>();
        var beds = new List<DaemonTestBed>();
        try
        {
            databases.Add(await postgres.CreateDatabaseAsync("tenantup"));
            databases.Add(await postgres.CreateDatabaseAsync("tenantup"));
            databases.Add(await other.CreateDatabaseAsync("tenantdown", Ct));
            foreach (var database in databases)
            {
                beds.Add(await DaemonTestBed.CreateAsync(database.ConnectionString));
                await beds[^1].AppendAsync(40, seed: beds.Count);
            }

            // A fourth tenant whose server never answers: a closed port, with the shared server's password.
            var closed = new NpgsqlConnectionStringBuilder(databases[0].ConnectionString) { Host = "127.0.0.1", Port = ClosedPort(), Timeout = 2 }.ConnectionString;
            var source = new StaticTenantSource(
            [
                new TenantDatabase("up-1", databases[0].ConnectionString),
                new TenantDatabase("up-2", databases[1].ConnectionString),
                new TenantDatabase("down", databases[2].ConnectionString),
                new TenantDatabase("never", closed),
            ]);
            await using var node = new TenantDatabaseNode(source, DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), Options("tn-down"), loggerFactory);
            await node.StartAsync(Ct);
            await WaitForStatusAsync(node, TimeSpan.FromSeconds(30), TenantDatabaseStatus.Running, "up-1", "up-2", "down");
            await WaitForStatusAsync(node, TimeSpan.FromSeconds(30), TenantDatabaseStatus.Failed, "never");
            var never = node.GetTenantStates().Single(s => s.TenantId == "never");
            Assert.StartsWith("NpgsqlException", never.Error, StringComparison.Ordinal);
            Assert.True(never.FailedStarts >= 1);
            Assert.True(logs.Count(1052, "never") >= 1);

            // The other server stops: its tenant fails, the others keep projecting throughout.
            await other.StopAsync(Ct);
            await WaitForStatusAsync(node, TimeSpan.FromSeconds(15), TenantDatabaseStatus.Failed, "down");
            Assert.NotNull(node.GetTenantStates().Single(s => s.TenantId == "down").Error);
            await Task.WhenAll(beds.Take(2).Select((bed, i) => bed.AppendAsync(60, seed: 30 + i)));
            foreach (var bed in beds.Take(2))
            {
                await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(30), "ledger", "account_balance");
                Assert.Empty(await bed.VerifyExactlyOnceAsync());
            }

            Assert.All(node.GetTenantStates().Where(s => s.TenantId.StartsWith("up-", StringComparison.Ordinal)), s => Assert.Equal(TenantDatabaseStatus.Running, s.Status));

            // Back: the tenant resumes where it committed and catches up.
            await other.StartAsync(Ct);
            await WaitForStatusAsync(node, TimeSpan.FromSeconds(30), TenantDatabaseStatus.Running, "down");
            await AppendAfterRestartAsync(beds[2], 40, seed: 40);
            await beds[2].WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
            Assert.Empty(await beds[2].VerifyExactlyOnceAsync());
            Assert.Equal(TenantDatabaseStatus.Failed, node.GetTenantStates().Single(s => s.TenantId == "never").Status);

            AssertNoSecret(logs, node.GetTenantStates(), databases.Select(d => d.ConnectionString).Append(closed));
        }
        finally
        {
            await other.StartAsync(CancellationToken.None);
            await DisposeAllAsync(beds, databases);
        }
    }

    [Fact]
    public async Task A_host_runs_its_tenant_databases_beside_its_own_daemon_and_its_health_names_a_failed_tenant()
    {
        var logs = new CapturingLoggerProvider();
        await using var main = await postgres.CreateDatabaseAsync("tenanthostmain");
        await using var tenant = await postgres.CreateDatabaseAsync("tenanthost");
        await using var mainBed = await DaemonTestBed.CreateAsync(main.ConnectionString);
        await using var tenantBed = await DaemonTestBed.CreateAsync(tenant.ConnectionString);
        await mainBed.AppendAsync(30, seed: 1);
        await tenantBed.AppendAsync(50, seed: 2);
        var closed = new NpgsqlConnectionStringBuilder(tenant.ConnectionString) { Host = "127.0.0.1", Port = ClosedPort(), Timeout = 2 }.ConnectionString;

        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        services.AddProjectionGen(o =>
            {
                o.Daemon.ConnectionString = main.ConnectionString;
                o.Daemon.NodeName = "tn-host";
                o.TenantDatabases["acme"] = tenant.ConnectionString;
                o.TenantDatabases["gone"] = closed;
            })
            .AddProjections(DaemonTestBed.StandardProjections())
            .AddEventType<Projections.Deposited>()
            .AddEventType<Projections.Withdrawn>()
            .AddUpcasters(ProjectionGen.Generated.GeneratedUpcasters.All)
            .AddTenantDatabases(o =>
            {
                o.StartRetryDelay = TimeSpan.FromMilliseconds(200);
                o.MaxStartRetryDelay = TimeSpan.FromSeconds(1);
            });
        services.AddHealthChecks().AddTenantDatabases();
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        // The tenant node starts after the host's own daemon and stops before it.
        Assert.Contains(hosted, h => h is ProjectionDaemonHostedService);
        Assert.True(hosted.FindIndex(h => h is ProjectionDaemonHostedService) < hosted.FindIndex(h => h is TenantDatabaseHostedService));
        var node = provider.GetRequiredService<TenantDatabaseNode>();
        try
        {
            foreach (var service in hosted)
            {
                await service.StartAsync(Ct);
            }

            await WaitForStatusAsync(node, TimeSpan.FromSeconds(30), TenantDatabaseStatus.Running, "acme");
            await WaitForStatusAsync(node, TimeSpan.FromSeconds(30), TenantDatabaseStatus.Failed, "gone");
            await tenantBed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
            await mainBed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
            Assert.Empty(await tenantBed.VerifyExactlyOnceAsync());
            Assert.Empty(await mainBed.VerifyExactlyOnceAsync());

            var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);
            var entry = report.Entries["projectiongen-tenants"];
            Assert.Equal(HealthStatus.Degraded, entry.Status);
            Assert.Contains("gone (NpgsqlException", entry.Description, StringComparison.Ordinal);
            Assert.DoesNotContain("acme (", entry.Description, StringComparison.Ordinal);
            Assert.Equal("Running", entry.Data["acme"]);
            var password = new NpgsqlConnectionStringBuilder(tenant.ConnectionString).Password!;
            Assert.DoesNotContain(password, entry.Description, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var service in Enumerable.Reverse(hosted))
            {
                await service.StopAsync(CancellationToken.None);
            }
        }

        Assert.Equal(TenantDatabaseStatus.Stopped, node.GetTenantStates().Single(s => s.TenantId == "acme").Status);
        AssertNoSecret(logs, node.GetTenantStates(), [main.ConnectionString, tenant.ConnectionString, closed]);
    }

    [Fact]
    public async Task A_failed_tenant_stays_failed_with_its_error_while_its_slow_start_is_retried()
    {
        // A server that accepts the connection and never answers: every start attempt takes the 2 s connect timeout.
        // A CI run saw the host's health turn healthy while such a retry was under way (the tenant showed "Starting").
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var unanswered = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Database = "none", Username = "u", Password = "p", Timeout = 2 }.ConnectionString;
        var source = new StaticTenantSource([new TenantDatabase("silent", unanswered)]);
        await using var node = new TenantDatabaseNode(source, DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), Options("tn-silent"));
        await node.StartAsync(Ct);
        await WaitForStatusAsync(node, TimeSpan.FromSeconds(30), TenantDatabaseStatus.Failed, "silent");

        // Sampled over more than two retries: failed, with the last error, every time.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(6);
        var samples = 0;
        while (DateTime.UtcNow < until)
        {
            var state = node.GetTenantStates().Single();
            Assert.True(state.Status == TenantDatabaseStatus.Failed, $"sample {samples}: {state.Status} {state.Error}");
            Assert.False(string.IsNullOrEmpty(state.Error));
            samples++;
            await Task.Delay(25, Ct);
        }

        Assert.True(node.GetTenantStates().Single().FailedStarts >= 2, "the start was retried");
    }

    [Fact]
    public async Task A_node_starts_at_most_MaxConcurrentStarts_tenant_databases_at_a_time()
    {
        // Three tenant databases on a server that accepts connections and never answers: each start attempt holds the
        // node's only start (MaxConcurrentStarts 1) for the 5 s connect timeout, so one attempt connects seconds after the
        // one before (less than 5 s when, under load, an attempt took long to connect: a CI run saw 2 s attempts connect
        // 6 ms apart, one at the end of its timeout and the next at once). Unbounded, the three connect together. The
        // bench's 300 databases failed to start at all when one node started every one of them at once.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = new ConcurrentQueue<DateTime>();
        using var stopAccepting = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var accepting = Task.Run(
            async () =>
            {
                var held = new List<TcpClient>();
                try
                {
                    while (true)
                    {
                        held.Add(await silent.AcceptTcpClientAsync(stopAccepting.Token));
                        accepted.Enqueue(DateTime.UtcNow);
                    }
                }
                catch (OperationCanceledException)
                {
                    // The test has seen enough.
                }
                finally
                {
                    held.ForEach(c => c.Dispose());
                }
            },
            TestContext.Current.CancellationToken);
        var source = new StaticTenantSource(Enumerable.Range(0, 3).Select(i => new TenantDatabase(
            "silent-" + i,
            new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Database = "db" + i, Username = "u", Password = "p", Timeout = 5 }.ConnectionString)));
        var options = Options("tn-starts");
        options.MaxConcurrentStarts = 1;
        await using (var node = new TenantDatabaseNode(source, DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), options))
        {
            await node.StartAsync(Ct);
            await Eventually.HoldsAsync(() => accepted.Count >= 3, TimeSpan.FromSeconds(40), "three start attempts");
        }

        await stopAccepting.CancelAsync();
        await accepting;
        var times = accepted.Take(3).ToList();
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps.All(g => g > TimeSpan.FromSeconds(1)), $"start attempts connected {string.Join(", ", gaps.Select(g => $"{g.TotalMilliseconds:0} ms"))} apart; with MaxConcurrentStarts 1 each waits for the one before (5 s timeout)");
    }

    [Fact]
    public async Task A_tenant_daemons_agents_share_at_most_MaxBatchConnections_batch_connections_under_writes()
    {
        // Two projections catching up a backlog while more is appended: each agent's batch (and its read ahead) takes a
        // pooled connection, and the pool keeps idle ones for minutes. Per tenant database and node, the lock connection
        // and MaxBatchConnections (default 1) batch connections, whatever the number of projections: three nodes over 65
        // tenant databases exhausted a server's 300 connections when a hung node kept its pools (TenantScaleTests).
        await using var database = await postgres.CreateDatabaseAsync("tenantpool");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(2000, seed: 1);
        var options = Options("tn-pool");
        Assert.Equal(1, options.MaxBatchConnections);
        options.Daemon.CatchUpBatchSize = 50;
        await using var monitor = NpgsqlDataSource.Create(database.ConnectionString);
        await using (var node = new TenantDatabaseNode(new StaticTenantSource([new TenantDatabase("pooled", database.ConnectionString)]), DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), options))
        {
            await node.StartAsync(Ct);
            var most = 0L;
            var writing = bed.AppendAsync(500, seed: 2);
            var sampled = 0;
            while (!writing.IsCompleted || sampled < 40)
            {
                await using var count = monitor.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1");
                count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ProjectionGen.Daemon.ProjectionDaemon.BatchApplicationName("tn-pool") });
                most = Math.Max(most, (long)(await count.ExecuteScalarAsync(Ct))!);
                sampled++;
                await Task.Delay(25, Ct);
            }

            await writing;
            await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(90), "ledger", "account_balance");
            Assert.Empty(await bed.VerifyExactlyOnceAsync());
            Assert.True(most <= options.MaxBatchConnections, $"the tenant daemon held {most} batch connections to its database, more than MaxBatchConnections {options.MaxBatchConnections}");
        }
    }

    /// <summary>Appends through a bed whose pooled connections the server's restart broke: the first uses fail (57P01) and are retried.</summary>
    private static async Task AppendAfterRestartAsync(DaemonTestBed bed, int count, int seed)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await bed.AppendAsync(count, seed: seed);
                return;
            }
            catch (NpgsqlException) when (attempt < 10)
            {
                await Task.Delay(100, Ct);
            }
        }
    }

    /// <summary>A tenant node's options with the short intervals of these tests (also used by TenantPlacementTests).</summary>
    internal static TenantDatabaseNodeOptions Options(string node)
    {
        var options = new TenantDatabaseNodeOptions
        {
            StartRetryDelay = TimeSpan.FromMilliseconds(200),
            MaxStartRetryDelay = TimeSpan.FromSeconds(1),
            TenantPollInterval = TimeSpan.FromMilliseconds(500),
        };
        options.Daemon.NodeName = node;
        options.Daemon.AcquireInterval = TimeSpan.FromMilliseconds(300);
        options.Daemon.PollInterval = TimeSpan.FromMilliseconds(200);
        options.Daemon.MaxRetryDelay = TimeSpan.FromSeconds(1);
        return options;
    }

    private static async Task WaitForStatusAsync(TenantDatabaseNode node, TimeSpan timeout, TenantDatabaseStatus status, params string[] tenants)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var states = node.GetTenantStates();
            if (tenants.All(t => states.Any(s => s.TenantId == t && s.Status == status)))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout} waiting for {string.Join(", ", tenants)} to be {status}: {string.Join("; ", states.Select(s => $"{s.TenantId}={s.Status} {s.Error}"))}");
            }

            await Task.Delay(50, Ct);
        }
    }

    /// <summary>No connection string, nor its password, in any log line (message or exception) or state.</summary>
    private static void AssertNoSecret(CapturingLoggerProvider logs, IReadOnlyList<TenantDatabaseState> states, IEnumerable<string> connectionStrings)
    {
        var texts = logs.Lines.Select(l => l.Text).Concat(states.Select(s => s.ToString() + " " + s.Error + " " + string.Join(" ", s.Slots.Select(x => x.ToString())))).ToList();
        Assert.NotEmpty(logs.Lines);
        foreach (var connectionString in connectionStrings)
        {
            var password = new NpgsqlConnectionStringBuilder(connectionString).Password;
            Assert.False(string.IsNullOrEmpty(password), "the test servers use passwords");
            Assert.DoesNotContain(texts, t => t.Contains(password!, StringComparison.Ordinal) || t.Contains(connectionString, StringComparison.Ordinal));
        }
    }

    /// <summary>Adds a row to the master table (also used by TenantStatusBoardTests).</summary>
    internal static async Task InsertRowAsync(NpgsqlDataSource master, string tenant, string connectionString)
    {
        await using var command = master.CreateCommand("INSERT INTO projectiongen.tenant_databases (tenant_id, connection_string) VALUES ($1, $2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = connectionString });
        await command.ExecuteNonQueryAsync(Ct);
    }

    /// <summary>This node's connections to database <paramref name="datname"/>, by the node name in their <c>application_name</c>.</summary>
    private static async Task<long> CountConnectionsAsync(NpgsqlDataSource any, string datname, string node)
    {
        await using var command = any.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE '%:' || $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = datname });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    internal static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }

    /// <summary>A loopback port nothing listens on (also used by TenantStatusBoardTests).</summary>
    internal static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Disposes <paramref name="first"/> (nodes, daemons), then the beds, then the databases (also used by TenantPlacementTests and TenantStatusBoardTests).</summary>
    internal static async Task DisposeAllAsync(List<DaemonTestBed> beds, List<TestDatabase> databases, IEnumerable<IAsyncDisposable>? first = null)
    {
        foreach (var item in first ?? [])
        {
            await item.DisposeAsync();
        }

        foreach (var bed in beds)
        {
            await bed.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        foreach (var database in databases)
        {
            try
            {
                await database.DisposeAsync();
            }
            catch (NpgsqlException)
            {
                // Its server is gone already; the server's own disposal removes it.
            }
        }
    }

    /// <summary>Keeps each line with its event id, text, structured state and the scope it was logged in.</summary>
    private sealed class ScopeCapturingLoggerProvider : ILoggerProvider
    {
        private readonly AsyncLocal<object?> current = new();

        public ConcurrentQueue<(int EventId, string Text, object? State, IEnumerable<KeyValuePair<string, object?>>? Scope)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(ScopeCapturingLoggerProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull
            {
                var outer = provider.current.Value;
                provider.current.Value = state;
                return new Unscope(() => provider.current.Value = outer);
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider.Lines.Enqueue((eventId.Id, formatter(state, exception), state, provider.current.Value as IEnumerable<KeyValuePair<string, object?>>));
        }

        private sealed class Unscope(Action end) : IDisposable
        {
            public void Dispose() => end();
        }
    }

    /// <summary>Keeps every log line: its event id and its text, with the exception's full text when there is one (also used by TenantPlacementTests).</summary>
    internal sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(int EventId, string Text)> Lines { get; } = new();

        public int Count(int eventId, string text) => Lines.Count(l => l.EventId == eventId && l.Text.Contains(text, StringComparison.Ordinal));

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var text = formatter(state, exception) + (exception is null ? "" : " " + exception);
                provider.Lines.Enqueue((eventId.Id, text));
                try
                {
                    TestContext.Current.TestOutputHelper?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} [{eventId.Id}] {text}");
                }
                catch (InvalidOperationException)
                {
                    // The test finished while a daemon thread was still logging.
                }
            }
        }
    }
}
