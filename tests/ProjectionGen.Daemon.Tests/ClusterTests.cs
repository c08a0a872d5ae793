using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.Operations;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>Placement over in-process nodes: balance, handoff on join and leave, drain, capacity, pins, shards.</summary>
public sealed class ClusterTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static IGeneratedProjection[] TenSlots() =>
        [new LedgerProjection(), new AccountBalanceProjection(), new ShardedLedgerProjection(), new ShardedBalanceProjection()];

    /// <summary>Every slot of <see cref="TenSlots"/>: a check of the documents must wait for all of them.</summary>
    internal static readonly string[] TenSlotNames =
        ["ledger", "account_balance", .. Enumerable.Range(0, 4).Select(i => $"sharded_ledger/{i}"), .. Enumerable.Range(0, 4).Select(i => $"sharded_balance/{i}")];

    [Fact]
    public async Task Nodes_share_the_slots_evenly_hand_them_over_on_leave_and_join_and_apply_every_event_once()
    {
        await using var database = await postgres.CreateDatabaseAsync("spread");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var a = bed.CreateDaemon("a-" + suffix, TenSlots());
        var b = bed.CreateDaemon("b-" + suffix, TenSlots());
        var c = bed.CreateDaemon("c-" + suffix, TenSlots());
        using var stopWriters = new CancellationTokenSource();
        var writers = bed.StartWriters(3, stopWriters.Token);
        foreach (var node in new[] { a, b, c })
        {
            await node.StartAsync(Ct);
        }

        // 10 slots on 3 nodes: 3, 3 and 4.
        await DaemonTestBed.WaitForBalanceAsync(Settle, a, b, c);

        await c.StopAsync(Ct);
        await DaemonTestBed.WaitForBalanceAsync(Settle, a, b);
        Assert.Contains(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.SlotHandedOff);

        var d = bed.CreateDaemon("d-" + suffix, TenSlots());
        await d.StartAsync(Ct);
        await DaemonTestBed.WaitForBalanceAsync(Settle, a, b, d);

        await stopWriters.CancelAsync();
        await writers;
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), TenSlotNames);
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledgerTable: "sharded_ledger", balanceTable: "projectiongen.doc_sharded_balance"));
        Assert.DoesNotContain(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.CommitRejected);
    }

    [Fact]
    public async Task A_drained_node_gives_every_slot_away_and_takes_its_share_again_when_undrained()
    {
        await using var database = await postgres.CreateDatabaseAsync("drain");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var a = bed.CreateDaemon("a-" + suffix, TenSlots());
        var b = bed.CreateDaemon("b-" + suffix, TenSlots());
        await a.StartAsync(Ct);
        await b.StartAsync(Ct);
        await DaemonTestBed.WaitForBalanceAsync(Settle, a, b);
        using var stopWriters = new CancellationTokenSource();
        var writers = bed.StartWriters(2, stopWriters.Token);

        var operations = new ProjectionClusterOperations(bed.Store);
        Assert.True(await operations.DrainAsync(a.NodeName, Ct));
        Assert.False(await operations.DrainAsync("no-such-node", Ct));
        await Eventually.HoldsAsync(
            () => a.GetStates().All(s => s.Status != AgentStatus.Running) && b.GetStates().All(s => s.Status == AgentStatus.Running),
            TimeSpan.FromSeconds(15), "every slot on b");
        var status = await new ProjectionStatusReader(bed.Store).ReadClusterAsync(Ct);
        Assert.True(status.Nodes.Single(n => n.Name == a.NodeName).Draining);
        Assert.All(status.Slots, slot => Assert.Equal(b.NodeName, slot.Owner));
        Assert.Contains(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.SlotHandedOff && e.Node == a.NodeName && (e.Cause ?? "").StartsWith("drain", StringComparison.Ordinal));

        Assert.True(await operations.UndrainAsync(a.NodeName, Ct));
        await DaemonTestBed.WaitForBalanceAsync(Settle, a, b);

        await stopWriters.CancelAsync();
        await writers;
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), TenSlotNames);
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledgerTable: "sharded_ledger", balanceTable: "projectiongen.doc_sharded_balance"));
    }

    [Fact]
    public async Task Capacity_and_pins_are_honoured_and_a_node_never_gets_a_projection_it_lacks()
    {
        await using var database = await postgres.CreateDatabaseAsync("constraints");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        void Pin(ProjectionDaemonOptions options) => options.Pins["sharded_balance"] = ["tag:fast"];
        var small = bed.CreateDaemon("small-" + suffix, TenSlots(), o => { o.Capacity = 2; Pin(o); });
        var plain = bed.CreateDaemon("plain-" + suffix, [new LedgerProjection(), new AccountBalanceProjection(), new ShardedLedgerProjection()], Pin);
        var fast = bed.CreateDaemon("fast-" + suffix, TenSlots(), o => { o.Tags.Add("fast"); Pin(o); });
        foreach (var node in new[] { small, plain, fast })
        {
            await node.StartAsync(Ct);
        }

        await bed.AppendAsync(200);
        await Eventually.HoldsAsync(
            () => new[] { small, plain, fast }.SelectMany(n => n.GetStates()).Where(s => s.Status == AgentStatus.Running).Select(s => s.Projection).Distinct().Count() == 10,
            Settle, "all ten slots running");
        var until = DateTime.UtcNow.AddSeconds(3);
        while (DateTime.UtcNow < until)
        {
            Assert.True(small.GetStates().Count(s => s.Status == AgentStatus.Running) <= 2, "the capacity-2 node runs more than 2 slots");
            Assert.DoesNotContain(plain.GetStates(), s => s.Status == AgentStatus.Running && s.Projection.StartsWith("sharded_balance", StringComparison.Ordinal));
            Assert.DoesNotContain(small.GetStates(), s => s.Status == AgentStatus.Running && s.Projection.StartsWith("sharded_balance", StringComparison.Ordinal));
            await Task.Delay(50, Ct);
        }

        Assert.Equal(4, fast.GetStates().Count(s => s.Status == AgentStatus.Running && s.Projection.StartsWith("sharded_balance/", StringComparison.Ordinal)));
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), TenSlotNames);
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledgerTable: "sharded_ledger", balanceTable: "projectiongen.doc_sharded_balance"));
    }

    [Fact]
    public async Task A_changed_shard_count_is_refused_at_start_until_a_rebuild_reshards_the_projection()
    {
        await using var database = await postgres.CreateDatabaseAsync("reshard");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var first = bed.CreateDaemon("first-" + suffix, [new ShardedLedgerProjection()]);
        await first.StartAsync(Ct);
        await bed.AppendAsync(100);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "sharded_ledger/0", "sharded_ledger/1", "sharded_ledger/2", "sharded_ledger/3");
        await first.StopAsync(Ct);

        // The projection's rows as an earlier build with two shards left them.
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand(
                "DELETE FROM projectiongen.progress WHERE name IN ('sharded_ledger/2', 'sharded_ledger/3'); UPDATE projectiongen.progress SET shard_count = 2 WHERE projection = 'sharded_ledger'",
                connection);
            await command.ExecuteNonQueryAsync(Ct);
        }

        var refused = bed.CreateDaemon("second-" + suffix, [new ShardedLedgerProjection()]);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => refused.StartAsync(Ct));
        Assert.Contains("ran with 2 shard(s) and is now configured with 4", error.Message, StringComparison.Ordinal);
        Assert.Contains("Rebuild", error.Message, StringComparison.Ordinal);

        var result = await new ProjectionRebuilder(bed.Store, [new ShardedLedgerProjection()]).RebuildAsync("sharded_ledger", Ct);
        Assert.True(result.Epoch > 1);

        var third = bed.CreateDaemon("third-" + suffix, [new ShardedLedgerProjection()]);
        await third.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "sharded_ledger/0", "sharded_ledger/1", "sharded_ledger/2", "sharded_ledger/3");
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false, ledgerTable: "sharded_ledger"));
    }

    [Fact]
    public async Task Status_lists_the_nodes_and_flags_a_foreign_holder_of_a_slot_lock_and_of_the_append_marker()
    {
        await using var database = await postgres.CreateDatabaseAsync("foreign");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = "intruder", Pooling = false };
        await using var intruder = new NpgsqlConnection(builder.ConnectionString);
        await intruder.OpenAsync(Ct);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", intruder))
        {
            take.Parameters.AddWithValue(Locking.AdvisoryLockKey.ForProjection("projectiongen", "account_balance").Value);
            await take.ExecuteNonQueryAsync(Ct);
        }

        var node = bed.CreateDaemon("honest-" + Guid.NewGuid().ToString("N")[..6], DaemonTestBed.StandardProjections());
        await node.StartAsync(Ct);
        await bed.WaitForOwnerAsync("ledger", TimeSpan.FromSeconds(30));
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", intruder))
        {
            take.Parameters.AddWithValue(Locking.AdvisoryLockKey.ForAppendMarker("projectiongen").Value);
            await take.ExecuteNonQueryAsync(Ct);
        }

        var status = await new ProjectionStatusReader(bed.Store).ReadClusterAsync(Ct);
        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", intruder))
        {
            await release.ExecuteNonQueryAsync(Ct);
        }

        var registered = Assert.Single(status.Nodes);
        Assert.Equal(node.NodeName, registered.Name);
        Assert.True(registered.Alive);
        var balance = status.Slots.Single(s => s.Projection == "account_balance");
        Assert.False(balance.OwnerAlive);
        Assert.Contains("intruder", balance.ForeignHolder, StringComparison.Ordinal);
        var ledger = status.Slots.Single(s => s.Projection == "ledger");
        Assert.True(ledger.OwnerAlive);
        Assert.Null(ledger.ForeignHolder);
        Assert.Contains("intruder", status.AppendsBlockedBy, StringComparison.Ordinal);
        var table = ProjectionStatusFormatter.ToTable(status);
        Assert.Contains("WARNING: the lock of account_balance", table, StringComparison.Ordinal);
        Assert.Contains("WARNING: the append marker", table, StringComparison.Ordinal);
        Assert.Contains("\"nodes\"", ProjectionStatusFormatter.ToJson(status), StringComparison.Ordinal);

        // Once the intruder lets go, the slot runs.
        await bed.WaitForOwnerAsync("account_balance", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task The_schema_installer_creates_the_read_index_of_each_shard_count_so_a_node_need_not()
    {
        await using var database = await postgres.CreateDatabaseAsync("shardindex");
        await Hosting.ProjectionSchemaInstaller.ApplyAsync(database.ConnectionString, new EventStore.EventStoreOptions(), [new LedgerProjection(), new ShardedLedgerProjection(), new ShardedBalanceProjection()], Ct);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT array_agg(indexname::text ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'projectiongen' AND indexname LIKE 'events_shard_%'", connection);
        Assert.Equal(["events_shard_4"], (string[])(await command.ExecuteScalarAsync(Ct))!);
    }
}
