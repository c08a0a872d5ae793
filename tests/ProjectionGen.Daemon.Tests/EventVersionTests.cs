using System.Collections.Concurrent;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.Documents;
using ProjectionGen.EventStore;
using ProjectionGen.Generations;
using ProjectionGen.Operations;
using ProjectionGen.Tests.Projections;
using ProjectionGen.Versions;
using ProjectionGen.WritePath;
using Xunit;
using static ProjectionGen.Tests.VersionTestQueries;

namespace ProjectionGen.Tests;

/// <summary>
/// Versions of event projections: a projection that declares the tables it writes (<c>Tables</c>) gets versions and
/// shadow rebuilds. Each generation writes its own copy of each table (<c>oldledger_v2</c>), readers query a view with
/// the table's name, which the fenced switch repoints, and the replaced generation is fenced so that its in-flight
/// commits, which may write the table by its name, cannot land in the new generation's copy (docs/versions.md).
/// </summary>
public sealed class EventVersionTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Readers_of_an_event_projections_table_never_see_fewer_rows_through_a_switch_from_v1_to_v2_under_continuous_appends()
    {
        await using var database = await postgres.CreateDatabaseAsync("event_version_switch");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await ExecuteAsync(bed, OldLedgerProjection.CreateTableSql);
        await AppendManyAsync(bed.Store, streams: 200, eventsPerStream: 10, prefix: "early");

        // Version 1 as written before versions: no declared tables, literal SQL into projectiongen.oldledger.
        var v1Node = bed.CreateDaemon("v1-" + suffix, [new OldLedgerProjection()]);
        await v1Node.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "oldledger");
        Assert.Equal("r", await RelationKindAsync(bed, "projectiongen.oldledger"));

        using var stopWriters = new CancellationTokenSource();
        var writers = bed.StartWriters(3, stopWriters.Token, streams: 5000);
        using var stopReader = new CancellationTokenSource();
        var observations = new ReaderObservations();
        var reader = ReadContinuouslyAsync(database.ConnectionString, "projectiongen.oldledger", observations, stopReader.Token);
        await Eventually.HoldsAsync(() => observations.Reads > 20, TimeSpan.FromSeconds(30), "the reader is reading");

        // A rolling deploy: a node with version 2 joins. The table becomes v1's copy behind a view of its name (the old
        // node's literal SQL goes on through the view), v2 builds its own copy beside it, and the switch repoints the view.
        var v2Node = bed.CreateDaemon("v2-" + suffix, [new OldLedgerV2Projection()]);
        await v2Node.StartAsync(Ct);
        Assert.Equal("v", await RelationKindAsync(bed, "projectiongen.oldledger"));
        Assert.Equal("r", await RelationKindAsync(bed, "projectiongen.oldledger_v1"));
        await WaitForStateAsync(bed, "oldledger", "v2", ProjectionVersionStates.Live, TimeSpan.FromSeconds(90));
        var readsAtSwitch = observations.Reads;
        await Eventually.HoldsAsync(() => observations.Reads > readsAtSwitch + 20, TimeSpan.FromSeconds(30), "the reader reads after the switch");

        await stopWriters.CancelAsync();
        await writers;
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "oldledger@v2");
        await stopReader.CancelAsync();
        await reader;

        Assert.Empty(observations.Errors);
        Assert.Empty(observations.Decreases);
        Assert.Equal(ProjectionVersionStates.Kept, await StateAsync(bed, "oldledger", "v1"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.oldledger_v2"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.oldledger"));
        Assert.Equal("projectiongen.oldledger_v2", await ViewSourceAsync(bed, "oldledger"));

        // The old version stops: its slot is kept, which no node acquires.
        await Eventually.HoldsAsync(
            () => v1Node.GetStates().Single(s => s.Projection == "oldledger").Status != AgentStatus.Running,
            TimeSpan.FromSeconds(30),
            "v1's agent stops once v2 is live");
        Assert.Equal("kept", await SlotStatusAsync(bed, "oldledger"));
        var status = await new ProjectionStatusReader(bed.Store).ReadClusterAsync(Ct);
        Assert.Contains(status.Versions, v => v.Projection == "oldledger" && v.Generation == "v2" && v.State == ProjectionVersionStates.Live && v.TableName == "oldledger_v2");
    }

    [Fact]
    public async Task A_commit_of_the_replaced_generation_that_lands_after_the_switch_is_refused()
    {
        await using var database = await postgres.CreateDatabaseAsync("event_version_fence");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await ExecuteAsync(bed, OldLedgerProjection.CreateTableSql);
        await AppendManyAsync(bed.Store, streams: 100, eventsPerStream: 5, prefix: "f");

        // The old node's next commit is held before it is sent, and sent only after the switch.
        var armed = 0;
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var v1Name = "v1-" + suffix;
        var v1Node = bed.CreateDaemon(v1Name, [new OldLedgerProjection()], new DaemonTestHooks
        {
            BeforeCommit = async _ =>
            {
                if (Interlocked.CompareExchange(ref armed, 2, 1) == 1)
                {
                    held.SetResult();
                    await release.Task;
                }
            },
        });
        await v1Node.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "oldledger");
        Interlocked.Exchange(ref armed, 1);
        await AppendManyAsync(bed.Store, streams: 3, eventsPerStream: 4, prefix: "g");
        await held.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        // Version 2 builds, catches up with everything v1 committed, and switches the view to its copy.
        var v2Node = bed.CreateDaemon("v2-" + suffix, [new OldLedgerV2Projection()]);
        await v2Node.StartAsync(Ct);
        await WaitForStateAsync(bed, "oldledger", "v2", ProjectionVersionStates.Live, TimeSpan.FromSeconds(90));
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "oldledger@v2");

        // Now v1's held commit is sent: its literal INSERT INTO projectiongen.oldledger would land in v2's copy through
        // the view. The switch fenced v1, so it is refused, and v2's copy holds each event exactly once.
        var committedBefore = bed.Lifecycle.Count(e => e.Kind == ProjectionLifecycleKind.BatchCommitted && e.Node == v1Name);
        release.SetResult();
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e.Kind == ProjectionLifecycleKind.CommitRejected && e.Node == v1Name)
                || bed.Lifecycle.Count(e => e.Kind == ProjectionLifecycleKind.BatchCommitted && e.Node == v1Name) > committedBefore,
            TimeSpan.FromSeconds(30),
            "v1's held commit is decided");
        await AppendManyAsync(bed.Store, streams: 2, eventsPerStream: 3, prefix: "h");
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "oldledger@v2");
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.oldledger_v2"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.oldledger"));
        Assert.Contains(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.CommitRejected && e.Node == v1Name);
        Assert.Equal(committedBefore, bed.Lifecycle.Count(e => e.Kind == ProjectionLifecycleKind.BatchCommitted && e.Node == v1Name));
        Assert.DoesNotContain(v1Node.GetStates(), s => s.Projection == "oldledger" && s.Status == AgentStatus.Running);
    }

    [Fact]
    public async Task A_node_whose_code_writes_the_table_by_name_does_not_build_a_generation_that_is_switched_back_to()
    {
        await using var database = await postgres.CreateDatabaseAsync("event_version_literal_back");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await ExecuteAsync(bed, OldLedgerProjection.CreateTableSql);
        await AppendManyAsync(bed.Store, streams: 40, eventsPerStream: 5, prefix: "l");
        var v1Name = "v1-" + suffix;
        var v1Node = bed.CreateDaemon(v1Name, [new OldLedgerProjection()]);
        await v1Node.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "oldledger");
        var v2Node = bed.CreateDaemon("v2-" + suffix, [new OldLedgerV2Projection()]);
        await v2Node.StartAsync(Ct);
        await WaitForStateAsync(bed, "oldledger", "v2", ProjectionVersionStates.Live, TimeSpan.FromSeconds(90));

        // v1 is switched back to, but the only node running it writes projectiongen.oldledger by name, which leads to v2's
        // copy: it must not build v1. Its slot stays unowned while new events arrive and v2 projects them exactly once.
        var acquisitions = bed.Lifecycle.Count(e => e.Kind == ProjectionLifecycleKind.LockAcquired && e.Projection == "oldledger");
        await new ProjectionVersionOperations(bed.Store, [new OldLedgerV2Projection()]).SwitchBackAsync("oldledger", "v1", Ct);
        await AppendManyAsync(bed.Store, streams: 10, eventsPerStream: 3, prefix: "m");
        var watched = DateTime.UtcNow;
        while (DateTime.UtcNow - watched < TimeSpan.FromSeconds(6))
        {
            Assert.Equal(acquisitions, bed.Lifecycle.Count(e => e.Kind == ProjectionLifecycleKind.LockAcquired && e.Projection == "oldledger"));
            await Task.Delay(100, Ct);
        }

        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "oldledger@v2");
        Assert.Equal(ProjectionVersionStates.Building, await StateAsync(bed, "oldledger", "v1"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.oldledger"));
    }

    [Fact]
    public async Task An_event_projection_is_switched_back_to_and_a_kept_generation_is_retired()
    {
        await using var database = await postgres.CreateDatabaseAsync("event_version_back");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await ExecuteAsync(bed, VersionedLedgerProjection.CreateTableSql);
        await AppendManyAsync(bed.Store, streams: 50, eventsPerStream: 8, prefix: "a");

        // One node runs both versions (it can serve a switch back). v1 writes the user's table, renamed vledger_v1.
        var node = bed.CreateDaemon("both-" + suffix, [new VersionedLedgerProjection(), new VersionedLedgerV2Projection()]);
        await node.StartAsync(Ct);
        await WaitForStateAsync(bed, "vledger", "v2", ProjectionVersionStates.Live, TimeSpan.FromSeconds(60));
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "vledger@v2");
        Assert.Equal("projectiongen.vledger_v2", await ViewSourceAsync(bed, "vledger"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.vledger"));
        await Eventually.HoldsAsync(
            () => node.GetStates().Single(s => s.Projection == "vledger").Status != AgentStatus.Running,
            TimeSpan.FromSeconds(30),
            "v1's agent stops once v2 is live");

        var operations = new ProjectionVersionOperations(bed.Store, [new VersionedLedgerV2Projection()]);
        await AppendManyAsync(bed.Store, streams: 30, eventsPerStream: 5, prefix: "b");
        await Assert.ThrowsAsync<InvalidOperationException>(() => operations.RetireAsync("vledger", "v2", Ct));

        // Back to v1: it catches up from where it stopped, then the view is repointed to its copy.
        await operations.SwitchBackAsync("vledger", "v1", Ct);
        await WaitForStateAsync(bed, "vledger", "v1", ProjectionVersionStates.Live, TimeSpan.FromSeconds(60));
        Assert.Equal(ProjectionVersionStates.Kept, await StateAsync(bed, "vledger", "v2"));
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "vledger");
        Assert.Equal("projectiongen.vledger_v1", await ViewSourceAsync(bed, "vledger"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.vledger"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.vledger_v1"));

        // Retiring v2 drops its copy, never the view.
        await operations.RetireAsync("vledger", "v2", Ct);
        Assert.Equal(ProjectionVersionStates.Retired, await StateAsync(bed, "vledger", "v2"));
        Assert.Null(await RelationKindAsync(bed, "projectiongen.vledger_v2"));
        Assert.Equal("v", await RelationKindAsync(bed, "projectiongen.vledger"));
        await AppendManyAsync(bed.Store, streams: 5, eventsPerStream: 3, prefix: "c");
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "vledger");
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.vledger"));
    }

    [Fact]
    public async Task A_shadow_rebuild_of_an_event_projection_switches_its_view_and_an_in_place_rebuild_truncates_only_its_own_copy()
    {
        await using var database = await postgres.CreateDatabaseAsync("event_version_shadow");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await ExecuteAsync(bed, VersionedLedgerProjection.CreateTableSql);
        await AppendManyAsync(bed.Store, streams: 150, eventsPerStream: 10, prefix: "s");
        var first = bed.CreateDaemon("one-" + suffix, [new VersionedLedgerProjection()]);
        var second = bed.CreateDaemon("two-" + suffix, [new VersionedLedgerProjection()]);
        await first.StartAsync(Ct);
        await second.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "vledger");
        Assert.Equal("projectiongen.vledger_v1", await ViewSourceAsync(bed, "vledger"));

        using var stopWriters = new CancellationTokenSource();
        var writers = bed.StartWriters(2, stopWriters.Token, streams: 3000);
        using var stopReader = new CancellationTokenSource();
        var observations = new ReaderObservations();
        var reader = ReadContinuouslyAsync(database.ConnectionString, "projectiongen.vledger", observations, stopReader.Token);
        var operations = new ProjectionVersionOperations(bed.Store, [new VersionedLedgerProjection(), new LedgerProjection()]);
        Assert.Equal("v1b", await operations.StartShadowRebuildAsync("vledger", Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => operations.StartShadowRebuildAsync("vledger", Ct));
        var undeclared = await Assert.ThrowsAsync<InvalidOperationException>(() => operations.StartShadowRebuildAsync("ledger", Ct));
        Assert.Contains("declares no tables", undeclared.Message, StringComparison.Ordinal);
        await WaitForStateAsync(bed, "vledger", "v1b", ProjectionVersionStates.Live, TimeSpan.FromSeconds(90));

        await stopWriters.CancelAsync();
        await writers;
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "vledger@v1b");
        await stopReader.CancelAsync();
        await reader;
        Assert.True(observations.Reads > 20, $"the reader read {observations.Reads} times");
        Assert.Empty(observations.Errors);
        Assert.Empty(observations.Decreases);
        Assert.Equal("projectiongen.vledger_v1b", await ViewSourceAsync(bed, "vledger"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.vledger_v1b"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.vledger"));

        // The in-place rebuild resets generation v1 (now kept): it empties v1's copy, not the view, which leads to v1b.
        var rows = await CountAsync(bed, "projectiongen.vledger");
        Assert.True(await CountAsync(bed, "projectiongen.vledger_v1") > 0);
        await new ProjectionRebuilder(bed.Store, [new VersionedLedgerProjection()]).RebuildAsync("vledger", Ct);
        Assert.Equal(0, await CountAsync(bed, "projectiongen.vledger_v1"));
        Assert.Equal(rows, await CountAsync(bed, "projectiongen.vledger"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.vledger"));
    }

    [Fact]
    public async Task An_event_projections_build_interrupted_by_a_lock_loss_and_a_node_restart_resumes_fenced_and_applies_nothing_twice()
    {
        await using var database = await postgres.CreateDatabaseAsync("event_version_resume");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await ExecuteAsync(bed, VersionedLedgerProjection.CreateTableSql);
        await ExecuteAsync(bed, "CREATE TABLE build_audit (projection text, epoch bigint, node text, from_position bigint, to_position bigint)");
        const string audit = "INSERT INTO build_audit VALUES ($1, $2, $3, $4, $5)";
        await AppendManyAsync(bed.Store, streams: 300, eventsPerStream: 10, prefix: "r");
        var v1Node = bed.CreateDaemon("v1-" + suffix, [new VersionedLedgerProjection()]);
        await v1Node.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "vledger");

        // The builder's 5th commit is held at the gate while its lock session is killed.
        var commits = 0;
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builderName = "builder-" + suffix;
        var builder = bed.CreateDaemon(builderName, [new VersionedLedgerV2Projection()], new DaemonTestHooks
        {
            AuditSql = audit,
            BeforeCommit = async _ =>
            {
                if (Interlocked.Increment(ref commits) == 5)
                {
                    held.SetResult();
                    await release.Task;
                }

                await Task.Delay(30, CancellationToken.None);
            },
        });
        await builder.StartAsync(Ct);
        await held.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        await TerminateAsync(bed, ProjectionDaemon.LockApplicationNameFor(builderName));
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e.Kind == ProjectionLifecycleKind.LockLost && e.Node == builderName),
            TimeSpan.FromSeconds(30),
            "the builder notices its lock loss");
        release.SetResult();
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Count(e => e.Kind == ProjectionLifecycleKind.LockAcquired && e.Node == builderName && e.Projection == "vledger@v2") >= 2,
            TimeSpan.FromSeconds(30),
            "the builder takes the build back under a new epoch");
        Assert.Equal(ProjectionVersionStates.Building, await StateAsync(bed, "vledger", "v2"));

        // Then the builder stops mid-build (a restart): another node resumes from the committed position.
        await Eventually.HoldsAsync(() => Volatile.Read(ref commits) > 12, TimeSpan.FromSeconds(30), "the builder commits again");
        await builder.StopAsync(Ct);
        Assert.Equal(ProjectionVersionStates.Building, await StateAsync(bed, "vledger", "v2"));
        var successor = bed.CreateDaemon("successor-" + suffix, [new VersionedLedgerV2Projection()], new DaemonTestHooks { AuditSql = audit });
        await successor.StartAsync(Ct);
        await WaitForStateAsync(bed, "vledger", "v2", ProjectionVersionStates.Live, TimeSpan.FromSeconds(90));
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "vledger@v2");

        // Nothing applied twice: contiguous committed ranges from 0 under rising epochs, and one row per event in v2's
        // copy (it has no unique constraint, so a double application would show).
        var ranges = await AuditAsync(bed, "vledger@v2");
        Assert.Equal(0, ranges[0].From);
        for (var i = 1; i < ranges.Count; i++)
        {
            Assert.Equal(ranges[i - 1].To, ranges[i].From);
            Assert.True(ranges[i].Epoch >= ranges[i - 1].Epoch, $"epoch {ranges[i].Epoch} after {ranges[i - 1].Epoch}");
        }

        Assert.True(ranges.Select(r => r.Epoch).Distinct().Count() >= 3, $"epochs: {string.Join(",", ranges.Select(r => r.Epoch).Distinct())}");
        Assert.Contains(ranges, r => r.Node.StartsWith("successor-", StringComparison.Ordinal));
        Assert.Contains(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.CommitRejected && e.Node == builderName);
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.vledger_v2"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.vledger"));
    }

    [Fact]
    public async Task A_node_whose_declared_table_does_not_exist_does_not_start_and_says_why()
    {
        await using var database = await postgres.CreateDatabaseAsync("event_version_missing");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var node = bed.CreateDaemon("missing-" + Guid.NewGuid().ToString("N")[..6], [new VersionedLedgerProjection()]);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => node.StartAsync(Ct));
        Assert.Contains("vledger", refused.ToString(), StringComparison.Ordinal);
        Assert.Contains("does not exist", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Literal_sql_through_the_view_reaches_the_live_copy_including_upserts_and_grants_follow()
    {
        await using var database = await postgres.CreateDatabaseAsync("event_version_view");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var role = "rd_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync(bed, $"CREATE ROLE {role} NOLOGIN; GRANT USAGE ON SCHEMA projectiongen TO {role}");
        await ExecuteAsync(bed, $"CREATE TABLE projectiongen.upserts (id int PRIMARY KEY, n int NOT NULL); GRANT SELECT, INSERT, UPDATE ON projectiongen.upserts TO {role}");
        await ExecuteAsync(bed, "INSERT INTO projectiongen.upserts VALUES (1, 1)");

        // First versioning (as a node registering generation v1, live, then a v2 node), through the server function itself.
        var key = RegistrationKey("upserter");
        await ExecuteAsync(bed, "INSERT INTO projectiongen.projection_versions (projection, generation, version, slot_key, table_name, state) VALUES ('upserter', 'v1', 1, 'upserter', 'upserts_v1', 'live')");
        await ExecuteAsync(bed, $"SELECT projectiongen.prepare_event_tables('upserter', 'v1', ARRAY['upserts'], {key})");
        await ExecuteAsync(bed, "INSERT INTO projectiongen.projection_versions (projection, generation, version, slot_key, table_name, state) VALUES ('upserter', 'v2', 2, 'upserter@v2', 'upserts_v2', 'building')");
        await ExecuteAsync(bed, $"SELECT projectiongen.prepare_event_tables('upserter', 'v2', ARRAY['upserts'], {key})");
        Assert.Equal("v", await RelationKindAsync(bed, "projectiongen.upserts"));
        Assert.Equal("r", await RelationKindAsync(bed, "projectiongen.upserts_v1"));
        Assert.Equal("r", await RelationKindAsync(bed, "projectiongen.upserts_v2"));

        // Code that writes the table by name (an upsert, under the reader/writer role) reaches the live copy through the view.
        await ExecuteAsync(bed, $"SET ROLE {role}; INSERT INTO projectiongen.upserts VALUES (1, 5) ON CONFLICT (id) DO UPDATE SET n = upserts.n + excluded.n; INSERT INTO projectiongen.upserts VALUES (2, 1) ON CONFLICT DO NOTHING; RESET ROLE");
        Assert.Equal(6L, await ScalarAsync(bed, "SELECT n::bigint FROM projectiongen.upserts_v1 WHERE id = 1"));
        Assert.Equal(2L, await ScalarAsync(bed, "SELECT count(*) FROM projectiongen.upserts"));
        Assert.Equal(0L, await ScalarAsync(bed, "SELECT count(*) FROM projectiongen.upserts_v2"));

        // The table's grants follow: on the view and on the new generation's copy (with its primary key, LIKE ... INCLUDING ALL).
        foreach (var relation in new[] { "projectiongen.upserts", "projectiongen.upserts_v2" })
        {
            Assert.Equal(1L, await ScalarAsync(bed, $"SELECT count(*) FILTER (WHERE has_table_privilege('{role}', '{relation}', 'SELECT, INSERT, UPDATE')) FROM (VALUES (1)) v"));
        }

        Assert.Equal(1L, await ScalarAsync(bed, "SELECT count(*) FROM pg_index WHERE indrelid = 'projectiongen.upserts_v2'::regclass AND indisprimary"));

        // The server refuses names that are ProjectionGen's own or another projection's.
        await ExecuteAsync(bed, "INSERT INTO projectiongen.projection_versions (projection, generation, version, slot_key, table_name, state) VALUES ('x', 'v1', 1, 'x', 'progress_v1', 'live'), ('other', 'v1', 1, 'other', 'upserts_v1', 'live')");
        var reserved = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(bed, $"SELECT projectiongen.prepare_event_tables('x', 'v1', ARRAY['progress'], {RegistrationKey("x")})"));
        Assert.Equal("22023", reserved.SqlState);
        var taken = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(bed, $"SELECT projectiongen.prepare_event_tables('other', 'v1', ARRAY['upserts'], {RegistrationKey("other")})"));
        Assert.Equal("22023", taken.SqlState);
    }

    [Fact]
    public async Task Prepare_event_tables_called_by_the_runtime_role_with_hostile_arguments_refuses_them_and_changes_nothing()
    {
        await using var database = await postgres.CreateDatabaseAsync("event_version_hostile");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var role = "rt_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync(bed, $"CREATE ROLE {role} NOLOGIN; GRANT USAGE ON SCHEMA projectiongen TO {role}; GRANT SELECT, INSERT, UPDATE ON projectiongen.projection_versions TO {role}; "
            + $"GRANT EXECUTE ON FUNCTION projectiongen.prepare_event_tables(text, text, text[], bigint) TO {role}");

        // An application table of the schema that no projection declares; an aggregate projection's generation; an event
        // projection with two declared tables, prepared legitimately by the runtime role (its v1 copies exist).
        await ExecuteAsync(bed, "CREATE TABLE projectiongen.customers (id int PRIMARY KEY)");
        await ExecuteAsync(bed, "INSERT INTO projectiongen.projection_versions (projection, generation, version, slot_key, table_name, state) VALUES ('carts', 'v1', 1, 'carts', 'doc_carts', 'live')");
        await ExecuteAsync(bed, "CREATE TABLE projectiongen.ledger_rows (id int); CREATE TABLE projectiongen.ledger_totals (id int)");
        await ExecuteAsync(bed, "INSERT INTO projectiongen.projection_versions (projection, generation, version, slot_key, table_name, state) VALUES ('ledger', 'v1', 1, 'ledger', 'ledger_rows_v1, ledger_totals_v1', 'live')");
        await ExecuteAsync(bed, $"SET ROLE {role}; SELECT projectiongen.prepare_event_tables('ledger', 'v1', ARRAY['ledger_rows', 'ledger_totals'], {RegistrationKey("ledger")}); RESET ROLE");
        Assert.Equal("r", await RelationKindAsync(bed, "projectiongen.ledger_totals_v1"));

        // A generation registered as another projection's copy (the runtime role may write projection_versions).
        await ExecuteAsync(bed, $"SET ROLE {role}; INSERT INTO projectiongen.projection_versions (projection, generation, version, slot_key, table_name, state) VALUES ('intruder', 'v1', 1, 'intruder', 'ledger_totals_v1_v1', 'live'); RESET ROLE");

        var hostile = new (string Call, string Why)[]
        {
            ($"'x', 'v1', ARRAY['customers'], {RegistrationKey("x")}", "an unregistered projection"),
            ("'x', 'v1', ARRAY['customers'], 0", "an unregistered projection and a foreign lock key"),
            ($"'carts', 'v1', ARRAY[]::text[], {RegistrationKey("carts")}", "an aggregate projection, no tables"),
            ($"'carts', 'v1', ARRAY['customers'], {RegistrationKey("carts")}", "an aggregate projection"),
            ($"'ledger', 'v1', ARRAY['customers'], {RegistrationKey("ledger")}", "tables the generation was not registered with"),
            ($"'ledger', 'v1', ARRAY['ledger_rows', 'ledger_totals'], {RegistrationKey("carts")}", "another projection's lock key"),
            ($"'intruder', 'v1', ARRAY['ledger_totals_v1'], {RegistrationKey("intruder")}", "another projection's copy"),
        };
        foreach (var (call, why) in hostile)
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(bed, $"SET ROLE {role}; SELECT projectiongen.prepare_event_tables({call})"));
            Assert.True(refused.SqlState is "22023" or "55000", $"{why}: {refused.SqlState} {refused.MessageText}");
        }

        Assert.Equal("r", await RelationKindAsync(bed, "projectiongen.customers"));
        Assert.Null(await RelationKindAsync(bed, "projectiongen.customers_v1"));
        Assert.Equal("r", await RelationKindAsync(bed, "projectiongen.ledger_totals_v1"));
        Assert.Null(await RelationKindAsync(bed, "projectiongen.ledger_totals_v1_v1"));
        Assert.Equal(0L, await ScalarAsync(bed, "SELECT count(*) FROM projectiongen.projection_versions WHERE projection = 'carts' AND tables IS NOT NULL"));
        Assert.Equal(0L, await ScalarAsync(bed, "SELECT count(*) FROM projectiongen.projection_versions WHERE projection = 'x'"));
    }

    [Fact]
    public async Task A_declared_table_with_serial_and_identity_columns_switched_to_v2_retires_v1_and_v2_still_inserts()
    {
        await using var database = await postgres.CreateDatabaseAsync("event_version_serial");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await ExecuteAsync(bed, "CREATE TABLE projectiongen.vledger (id bigserial PRIMARY KEY, rid bigint GENERATED BY DEFAULT AS IDENTITY, seq bigint NOT NULL, account text NOT NULL, amount int NOT NULL)");
        await ExecuteAsync(bed, "INSERT INTO projectiongen.vledger (seq, account, amount) VALUES (1, 'a', 1)");

        // v1 registered live and versioned (the user's table becomes vledger_v1), v2 registered and prepared, then switched.
        var key = RegistrationKey("vledger");
        await ExecuteAsync(bed, "INSERT INTO projectiongen.projection_versions (projection, generation, version, slot_key, table_name, state) VALUES ('vledger', 'v1', 1, 'vledger', 'vledger_v1', 'live')");
        await ExecuteAsync(bed, $"SELECT projectiongen.prepare_event_tables('vledger', 'v1', ARRAY['vledger'], {key})");
        await ExecuteAsync(bed, "INSERT INTO projectiongen.projection_versions (projection, generation, version, slot_key, table_name, state) VALUES ('vledger', 'v2', 2, 'vledger@v2', 'vledger_v2', 'building')");
        await ExecuteAsync(bed, $"SELECT projectiongen.prepare_event_tables('vledger', 'v2', ARRAY['vledger'], {key})");
        await ExecuteAsync(bed, "INSERT INTO projectiongen.vledger_v2 (seq, account, amount) VALUES (1, 'a', 1)");
        await ExecuteAsync(bed, "UPDATE projectiongen.projection_versions SET state = CASE generation WHEN 'v1' THEN 'kept' ELSE 'live' END WHERE projection = 'vledger'; SELECT projectiongen.set_projection_view('vledger')");
        Assert.Equal("projectiongen.vledger_v2", await ViewSourceAsync(bed, "vledger"));

        var operations = new ProjectionVersionOperations(bed.Store, [new VersionedLedgerV2Projection()]);
        await operations.RetireAsync("vledger", "v1", Ct);
        Assert.Equal(ProjectionVersionStates.Retired, await StateAsync(bed, "vledger", "v1"));
        Assert.Null(await RelationKindAsync(bed, "projectiongen.vledger_v1"));

        // v2 still inserts, through the view and into its copy, with ids from the serial's sequence and its own identity.
        await ExecuteAsync(bed, "INSERT INTO projectiongen.vledger (seq, account, amount) VALUES (2, 'a', 2); INSERT INTO projectiongen.vledger_v2 (seq, account, amount) VALUES (3, 'b', 3)");
        Assert.Equal(3L, await ScalarAsync(bed, "SELECT count(DISTINCT id) FROM projectiongen.vledger"));
        Assert.Equal(3L, await ScalarAsync(bed, "SELECT count(DISTINCT rid) FROM projectiongen.vledger_v2"));
    }

    private static long RegistrationKey(string projection) => Locking.AdvisoryLockKey.ForSlotRegistration("projectiongen", projection).Value;

    [Fact]
    public void A_writer_resolves_only_declared_tables_to_its_generations_copy()
    {
        var descriptor = VersionedLedgerV2Projection.ProjectionDescriptor;
        var tables = EventTables.Resolve("projectiongen", descriptor, ProjectionGeneration.Of(descriptor));
        var writer = new BatchWriter(descriptor.Name, tables);
        Assert.Equal("\"projectiongen\".\"vledger_v2\"", writer.Table("vledger"));
        Assert.Equal("\"projectiongen\".\"vledger_v1b\"", new BatchWriter(descriptor.Name, EventTables.Resolve("projectiongen", descriptor, new ProjectionGeneration("vledger", 1, true))).Table("vledger"));
        var undeclared = Assert.Throws<ArgumentException>(() => writer.Table("ledger"));
        Assert.Contains("does not declare the table 'ledger'", undeclared.Message, StringComparison.Ordinal);
        var none = Assert.Throws<ArgumentException>(() => new BatchWriter("ledger").Table("ledger"));
        Assert.Contains("declares no tables", none.Message, StringComparison.Ordinal);

        // A version other than 1 of an event projection needs its tables; names are validated.
        Assert.Throws<ArgumentException>(() => new ProjectionDescriptor("x", ProjectionKind.Event, [typeof(Deposited)], null, 0, -1, PoisonEventPolicy.DeadLetter, null, 1, false, 2));
        Assert.Throws<ArgumentException>(() => new ProjectionDescriptor("x", ProjectionKind.Event, [typeof(Deposited)], null, 0, -1, PoisonEventPolicy.DeadLetter, null, 1, false, 2, ["Bad-Name"]));
        Assert.Throws<ArgumentException>(() => new ProjectionDescriptor("x", ProjectionKind.Event, [typeof(Deposited)], null, 0, -1, PoisonEventPolicy.DeadLetter, null, 1, false, 2, ["t", "t"]));
        Assert.Equal(["t"], new ProjectionDescriptor("x", ProjectionKind.Event, [typeof(Deposited)], null, 0, -1, PoisonEventPolicy.DeadLetter, null, 1, false, 2, ["t"]).Tables);

        // A declared table must not be ProjectionGen's own nor another projection's.
        var reserved = new ProjectionDescriptor("x", ProjectionKind.Event, [typeof(Deposited)], null, 0, -1, PoisonEventPolicy.DeadLetter, null, 1, false, 1, ["progress"]);
        Assert.Throws<ArgumentException>(() => DocumentTableNames.Validate("projectiongen", [reserved]));
        var clash = new ProjectionDescriptor("y", ProjectionKind.Event, [typeof(Deposited)], null, 0, -1, PoisonEventPolicy.DeadLetter, null, 1, false, 1, ["vledger_v2"]);
        Assert.Throws<ArgumentException>(() => DocumentTableNames.Validate("projectiongen", [descriptor, clash]));
    }

    [Fact]
    public async Task A_dead_letter_of_a_projection_that_declares_its_tables_is_retried_into_its_generations_copy()
    {
        await using var database = await postgres.CreateDatabaseAsync("event_version_dead_letter");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await ExecuteAsync(bed, VersionedLedgerProjection.CreateTableSql);
        await AppendManyAsync(bed.Store, streams: 3, eventsPerStream: 2, prefix: "dl");
        var node = bed.CreateDaemon("dl-" + Guid.NewGuid().ToString("N")[..6], [new VersionedLedgerProjection()]);
        await node.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "vledger");
        await node.StopAsync(Ct);

        // As if the handler had failed on the last event: its row is missing and a dead letter stands for it.
        var last = await ScalarAsync(bed, "SELECT max(seq) FROM projectiongen.vledger_v1");
        await ExecuteAsync(bed, $"DELETE FROM projectiongen.vledger_v1 WHERE seq = {last}");
        await ExecuteAsync(bed, $"INSERT INTO projectiongen.dead_letters (projection, seq, stream_id, event_type, epoch, node, reason, exception, attempts) SELECT 'vledger', seq, stream_id, type, 1, 'n', 'handler threw', 'x', 3 FROM projectiongen.events WHERE seq = {last}");
        var id = await ScalarAsync(bed, "SELECT id FROM projectiongen.dead_letters");

        var result = await new ProjectionDeadLetters(bed.Store, [new VersionedLedgerProjection()]).RetryAsync(id, Ct);
        Assert.NotNull(result);
        Assert.True(result.Applied, result.Error);
        Assert.Equal(1, await ScalarAsync(bed, $"SELECT count(*) FROM projectiongen.vledger_v1 WHERE seq = {last}"));
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "projectiongen.vledger"));
    }

    [Fact]
    public void Typed_rows_of_a_projection_that_declares_its_tables_go_to_its_generations_copy()
    {
        // The rows go through the same resolution as writer.Table: the generation's copy of a declared table.
        var versioned = new BatchWriter("ledger", new Dictionary<string, string>(StringComparer.Ordinal) { ["row_ledger"] = "\"projectiongen\".\"row_ledger_v2\"" });
        versioned.Insert(new LedgerRow(1, "a-1", 10));
        versioned.Insert(new LedgerRow(2, "a-1", 5));
        var command = Assert.Single(versioned.CommitCommands(group: true));
        Assert.StartsWith("INSERT INTO \"projectiongen\".\"row_ledger_v2\" ", command.CommandText, StringComparison.Ordinal);

        // A row table the projection does not declare fails in the handler that queues it, like writer.Table.
        var other = new BatchWriter("ledger", new Dictionary<string, string>(StringComparer.Ordinal) { ["ledger"] = "\"projectiongen\".\"ledger_v2\"" });
        var undeclared = Assert.Throws<ArgumentException>(() => other.Insert(new LedgerRow(1, "a-1", 10)));
        Assert.Contains("does not declare the table 'row_ledger'", undeclared.Message, StringComparison.Ordinal);

        // A projection that declares no tables writes the row type's table as named.
        var plain = new BatchWriter("ledger");
        plain.Insert(new LedgerRow(1, "a-1", 10));
        Assert.StartsWith("INSERT INTO \"row_ledger\" ", Assert.Single(plain.CommitCommands(group: true)).CommandText, StringComparison.Ordinal);
    }

    private sealed class ReaderObservations
    {
        private int reads;

        public int Reads => Volatile.Read(ref reads);

        public ConcurrentQueue<string> Errors { get; } = new();

        public ConcurrentQueue<string> Decreases { get; } = new();

        public void Read() => Interlocked.Increment(ref reads);
    }

    /// <summary>Counts the rows under the table's stable name every few milliseconds; rows are never deleted, so the count never falls.</summary>
    private static Task ReadContinuouslyAsync(string connectionString, string relation, ReaderObservations observations, CancellationToken stop) => Task.Run(async () =>
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken.None);
        long highest = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var command = new NpgsqlCommand($"SELECT count(*) FROM {relation}", connection);
                var count = (long)(await command.ExecuteScalarAsync(CancellationToken.None))!;
                if (count < highest)
                {
                    observations.Decreases.Enqueue($"{count} rows after {highest}");
                }

                highest = Math.Max(highest, count);
                observations.Read();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                observations.Errors.Enqueue(e.Message);
            }

            try
            {
                await Task.Delay(3, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }, CancellationToken.None);

    private static async Task<string?> SlotStatusAsync(DaemonTestBed bed, string slot)
    {
        await using var connection = new NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT status FROM projectiongen.progress WHERE name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = slot });
        return await command.ExecuteScalarAsync(Ct) as string;
    }

    /// <summary>The relation kind (<c>r</c> table, <c>v</c> view) of <paramref name="relation"/>, or null when it does not exist.</summary>
    private static async Task<string?> RelationKindAsync(DaemonTestBed bed, string relation)
    {
        await using var connection = new NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT c.relkind::text FROM pg_class c WHERE c.oid = to_regclass($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = relation });
        return await command.ExecuteScalarAsync(Ct) as string;
    }

    /// <summary>The one table the view <c>projectiongen.{view}</c> reads.</summary>
    private static async Task<string?> ViewSourceAsync(DaemonTestBed bed, string view)
    {
        await using var connection = new NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT DISTINCT u.table_schema || '.' || u.table_name FROM information_schema.view_table_usage u WHERE u.view_schema = 'projectiongen' AND u.view_name = $1",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = view });
        return await command.ExecuteScalarAsync(Ct) as string;
    }

    private static async Task<long> ScalarAsync(DaemonTestBed bed, string sql)
    {
        await using var connection = new NpgsqlConnection(bed.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

}
