using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Progress;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Projection shapes fenced across code versions (docs/cluster.md, "Shapes across code versions"): an old build's node
/// never commits a projection's position past an event of a type that the newest registered shape handles and its own
/// does not; a new shape that would leave events below the position unapplied is refused.
/// </summary>
public sealed class ShapeTests(PostgresFixture postgres)
{
    private const string FingerprintA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string FingerprintB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_newer_shape_refuses_the_old_owners_commit_and_acquisition_and_lets_the_new_shape_acquire()
    {
        await using var database = await postgres.CreateDatabaseAsync("shape_fence");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var progress = new ProgressTable(PostgresIdentifier.Parse("projectiongen", "schema"));
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await ExecuteAsync(connection, "INSERT INTO projectiongen.progress (name, projection) VALUES ('shp', 'shp')");

        Assert.Equal("first", (await RegisterAsync(connection, "shp", FingerprintA, ["a"])).Status);
        var (oldEpoch, _) = await AcquireAsync(connection, progress, "old", FingerprintA);
        Assert.NotNull(oldEpoch);

        // The new build registers: the old owner's commit fails the epoch fence, the old shape cannot acquire, the new one can.
        var registered = await RegisterAsync(connection, "shp", FingerprintB, ["a", "b"]);
        Assert.Equal("registered", registered.Status);
        Assert.Equal(["b"], registered.Types);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, $"SELECT projectiongen.commit_progress('shp', {oldEpoch}, 0, 10, 0, now(), 0, false)"));
        Assert.Equal("PG002", refused.SqlState);
        Assert.Null((await AcquireAsync(connection, progress, "old", FingerprintA)).Epoch);
        Assert.NotNull((await AcquireAsync(connection, progress, "new", FingerprintB)).Epoch);

        // The old shape, registered again (a restart of an old node), is superseded: told the newest shape's types.
        var again = await RegisterAsync(connection, "shp", FingerprintA, ["a"]);
        Assert.Equal("superseded", again.Status);
        Assert.Equal(["a", "b"], again.Types);
    }

    [Fact]
    public async Task A_new_shape_with_events_of_its_new_types_below_the_position_is_refused_with_their_count()
    {
        await using var database = await postgres.CreateDatabaseAsync("shape_refuse");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await bed.Store.AppendAsync("acct-1", [new Deposited("acct-1", 5), new Withdrawn("acct-1", 2), new Withdrawn("acct-1", 1)], ExpectedVersion.Any, cancellationToken: Ct);
        await ExecuteAsync(connection, "INSERT INTO projectiongen.progress (name, projection, position) VALUES ('shp', 'shp', 2)");
        Assert.Equal("first", (await RegisterAsync(connection, "shp", FingerprintA, ["deposited"])).Status);

        var refused = await RegisterAsync(connection, "shp", FingerprintB, ["deposited", "withdrawn"]);
        Assert.Equal("refused", refused.Status);
        Assert.Equal(["withdrawn"], refused.Types);
        Assert.Equal(1L, refused.Events);
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM projectiongen.projection_shapes WHERE projection = 'shp'"));
    }

    [Fact]
    public async Task A_sharded_projection_counts_only_the_events_each_shard_has_read_past()
    {
        await using var database = await postgres.CreateDatabaseAsync("shape_shards");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await bed.Store.AppendAsync("acct-1", [new Withdrawn("acct-1", 2), new Withdrawn("acct-1", 1)], ExpectedVersion.Any, cancellationToken: Ct);
        var shard = await ScalarAsync(connection, "SELECT stream_hash % 2 FROM projectiongen.events WHERE stream_id = 'acct-1' LIMIT 1");

        // The stream's shard is at position 0, the other far past both events: nothing was read past, the shape registers.
        foreach (var key in new[] { "shp", "shq" })
        {
            await ExecuteAsync(connection, $"INSERT INTO projectiongen.progress (name, projection, shard, shard_count, position) VALUES ('{key}/{shard}', '{key}', {shard}, 2, 0), ('{key}/{1 - shard}', '{key}', {1 - shard}, 2, 100)");
            Assert.Equal("first", (await RegisterAsync(connection, key, FingerprintA, ["deposited"])).Status);
        }

        Assert.Equal("registered", (await RegisterAsync(connection, "shp", FingerprintB, ["deposited", "withdrawn"])).Status);

        // Once the stream's own shard has read past one of them, it counts.
        await ExecuteAsync(connection, $"UPDATE projectiongen.progress SET position = (SELECT min(seq) FROM projectiongen.events) WHERE name = 'shq/{shard}'");
        var refused = await RegisterAsync(connection, "shq", FingerprintB, ["deposited", "withdrawn"]);
        Assert.Equal("refused", refused.Status);
        Assert.Equal(1L, refused.Events);
    }

    [Fact]
    public async Task In_a_rolling_deploy_the_new_shape_takes_over_and_applies_every_event_of_its_new_type()
    {
        await using var disposables = new Disposables();
        var (problems, withdrawals, bed) = await RollingDeployAsync("shape_rolling", new DaemonTestHooks(), disposables);
        Assert.Empty(problems);
        Assert.True(withdrawals > 0);
        Assert.Equal(1, bed.CountLogLines(1044, "shaped_ledger on node new-"));
        Assert.Equal(0, bed.CountLogLines(1046, "shaped_ledger"));
    }

    [Fact]
    public async Task Without_shape_registration_the_same_rolling_deploy_misses_the_new_types_events()
    {
        // The checker can fail: with the fence switched off, the old owner reads past the withdrawals.
        await using var disposables = new Disposables();
        var (problems, _, _) = await RollingDeployAsync("shape_rolling_off", new DaemonTestHooks { RegisterShapes = false }, disposables);
        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.StartsWith("missing withdrawn", p, StringComparison.Ordinal));
    }

    private async Task<(List<string> Problems, long Withdrawals, DaemonTestBed Bed)> RollingDeployAsync(string name, DaemonTestHooks hooks, Disposables disposables)
    {
        var database = await postgres.CreateDatabaseAsync(name);
        disposables.Add(database);
        var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        disposables.Add(bed);
        await ExecuteAsync(bed.ConnectionString, ShapedLedgerV1Projection.CreateTableSql);

        // Names under which placement keeps the slot on the old node: only the fence can move it to the new one.
        var suffix = Enumerable.Range(0, 1000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).First(s =>
            PlacementPlanner.Plan(
                [new PlacementSlot("shaped_ledger", "shaped_ledger")],
                [new PlacementNode("old-" + s, int.MaxValue, new HashSet<string> { "shaped_ledger" }), new PlacementNode("new-" + s, int.MaxValue, new HashSet<string> { "shaped_ledger" })])["shaped_ledger"] == "old-" + s);
        var old = bed.CreateDaemon("old-" + suffix, [new ShapedLedgerV1Projection()], hooks);
        await old.StartAsync(Ct);
        await DepositAsync(bed, 50);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "shaped_ledger");

        // The new build's first node registers its shape while the old node owns the slot; then both kinds are appended.
        using var stopWriters = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var fresh = bed.CreateDaemon("new-" + suffix, [ShapedLedgerV2Projection.NewBuild()], hooks);
        await fresh.StartAsync(Ct);
        var writers = bed.StartWriters(2, stopWriters.Token);
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        await old.StopAsync(Ct);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        await stopWriters.CancelAsync();
        await writers;

        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "shaped_ledger");
        return (await MissingOrDoubledAsync(bed.ConnectionString), await ScalarAsync(bed.ConnectionString, "SELECT count(*) FROM projectiongen.events WHERE type = 'withdrawn'"), bed);
    }

    [Fact]
    public async Task A_new_node_handling_a_type_with_events_below_the_position_does_not_run_the_projection_and_says_so()
    {
        await using var database = await postgres.CreateDatabaseAsync("shape_startup_refusal");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await ExecuteAsync(bed.ConnectionString, ShapedLedgerV1Projection.CreateTableSql);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var old = bed.CreateDaemon("old-" + suffix, [new ShapedLedgerV1Projection()]);
        await old.StartAsync(Ct);
        await bed.AppendAsync(100);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "shaped_ledger");
        var withdrawals = await ScalarAsync(bed.ConnectionString, "SELECT count(*) FROM projectiongen.events WHERE type = 'withdrawn'");
        Assert.True(withdrawals > 0);

        var fresh = bed.CreateDaemon("new-" + suffix, [ShapedLedgerV2Projection.NewBuild(), new LedgerProjection()]);
        await fresh.StartAsync(Ct);
        Assert.Equal(1, bed.CountLogLines(1046, $"{withdrawals} events of those types"));
        await old.StopAsync(Ct);

        // Its other projections run; this one it never takes, so no withdrawal is skipped silently: none is applied at all.
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger");
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        Assert.Contains(fresh.GetStates(), s => s.Projection == "shaped_ledger" && s.Status == AgentStatus.NotOwned);
        Assert.Equal(0L, await ScalarAsync(bed.ConnectionString, "SELECT count(*) FROM shaped_ledger WHERE amount < 0"));
    }

    [Fact]
    public async Task Without_a_registered_baseline_the_checker_finds_the_events_an_old_shape_skipped()
    {
        // Forgetting the shapes (the rollback operation) leaves no baseline: the next shape is registered unchecked. This
        // run shows what the refusal prevents: the checker of the rolling-deploy test finds the skipped withdrawals.
        await using var database = await postgres.CreateDatabaseAsync("shape_checker");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await ExecuteAsync(bed.ConnectionString, ShapedLedgerV1Projection.CreateTableSql);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var old = bed.CreateDaemon("old-" + suffix, [new ShapedLedgerV1Projection()]);
        await old.StartAsync(Ct);
        await bed.AppendAsync(100);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "shaped_ledger");
        await old.StopAsync(Ct);
        Assert.Equal(1L, await ScalarAsync(bed.ConnectionString, "SELECT projectiongen.forget_shapes('shaped_ledger')"));

        var fresh = bed.CreateDaemon("new-" + suffix, [ShapedLedgerV2Projection.NewBuild()]);
        await fresh.StartAsync(Ct);
        await bed.AppendAsync(20, seed: 7);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "shaped_ledger");
        var problems = await MissingOrDoubledAsync(bed.ConnectionString);
        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.StartsWith("missing withdrawn", p, StringComparison.Ordinal));
    }

    /// <summary>A run's database and bed, disposed in reverse order (the bed's daemons stopped first) (dropped when the test ends, also on failure).</summary>
    private sealed class Disposables : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> items = [];

        public void Add(IAsyncDisposable item) => items.Add(item);

        public async ValueTask DisposeAsync()
        {
            foreach (var item in Enumerable.Reverse(items))
            {
                await item.DisposeAsync();
            }
        }
    }

    /// <summary>Every deposit and withdrawal applied exactly once to <c>shaped_ledger</c>, or what is not.</summary>
    private static async Task<List<string>> MissingOrDoubledAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("""
            SELECT e.seq, e.type, count(l.seq) FROM projectiongen.events e LEFT JOIN shaped_ledger l ON l.seq = e.seq
            WHERE e.type IN ('deposited', 'withdrawn') GROUP BY e.seq, e.type HAVING count(l.seq) <> 1 ORDER BY e.seq
            """, connection);
        var problems = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            problems.Add($"{(reader.GetInt64(2) == 0 ? "missing" : "doubled")} {reader.GetString(1)} {reader.GetInt64(0)}");
        }

        return problems;
    }

    private static async Task DepositAsync(DaemonTestBed bed, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await bed.Store.AppendAsync("acct-" + (i % 5), [new Deposited("acct-" + (i % 5), i + 1)], ExpectedVersion.Any, cancellationToken: Ct);
        }
    }

    private static async Task<ShapeRegistration.Result> RegisterAsync(NpgsqlConnection connection, string key, string fingerprint, string[] types)
    {
        await using var command = new NpgsqlCommand("SELECT status, newest_types, events FROM projectiongen.register_shape($1, $2, $3, 'test', true)", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fingerprint });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types });
        await using var reader = await command.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        return new ShapeRegistration.Result(reader.GetString(0), reader.IsDBNull(1) ? [] : reader.GetFieldValue<string[]>(1), reader.GetInt64(2));
    }

    private static async Task<(long? Epoch, long Position)> AcquireAsync(NpgsqlConnection connection, ProgressTable progress, string node, string fingerprint)
    {
        await using var command = new NpgsqlCommand(progress.AcquireSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "shp" });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 1 });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fingerprint });
        await using var reader = await command.ExecuteReaderAsync(Ct);
        return await reader.ReadAsync(Ct) ? (reader.GetInt64(0), reader.GetInt64(1)) : (null, 0);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await ExecuteAsync(connection, sql);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        return await ScalarAsync(connection, sql);
    }
}
