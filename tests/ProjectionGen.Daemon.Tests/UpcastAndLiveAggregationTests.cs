using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Events appended under old shapes (an old CLR type, and raw JSON of a type that no longer exists) are projected as the
/// current type by the daemon, and live aggregation folds a stream exactly as the daemon does, upcasting included.
/// </summary>
public sealed class UpcastAndLiveAggregationTests(PostgresFixture postgres)
{
    private static readonly System.Text.Json.JsonSerializerOptions DocumentJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What the oldest app version wrote, stored as <c>legacy_deposit</c>; unknown to the current registry.</summary>
    private sealed record LegacyDepositWritten(string Acct, int Cents);

    [Fact]
    public async Task Events_appended_under_old_shapes_are_projected_as_the_current_type()
    {
        await using var database = await postgres.CreateDatabaseAsync("upcastd");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var oldAppData = Npgsql.NpgsqlDataSource.Create(database.ConnectionString);
        var oldApp = new PostgresEventStore(
            oldAppData,
            new EventStoreOptions(),
            new EventTypeRegistry().Register(typeof(LegacyDepositWritten), "legacy_deposit"));
        Assert.False(bed.Types.TryGetType("legacy_deposit", out _));

        await oldApp.AppendAsync("acct-1", [new LegacyDepositWritten("acct-1", 1_200), new LegacyDepositWritten("acct-1", 700)], ExpectedVersion.NoStream, cancellationToken: Ct);
        await bed.Store.AppendAsync("acct-1", [new DepositedV1("acct-1", 5_000), new Withdrawn("acct-1", 3)], ExpectedVersion.Exactly(2), cancellationToken: Ct);
        await bed.Store.AppendAsync("acct-2", [new DepositedV1("acct-2", 900), new Deposited("acct-2", 4)], ExpectedVersion.NoStream, cancellationToken: Ct);
        await bed.AppendAsync(100, streams: 6);

        var daemon = bed.CreateDaemon("solo", [.. DaemonTestBed.StandardProjections(), new BranchTotalsProjection()]);
        await daemon.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance", "branch_totals");

        // The ledger has a row for every event, old ones with their upcast amounts, and both aggregates equal their folds.
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
        Assert.Empty(await bed.VerifyBranchTotalsAsync());
        var stream = await bed.Store.ReadStreamAsync("acct-1", Ct);
        Assert.Equal(["legacy_deposit", "legacy_deposit", "deposited_v1", "withdrawn"], stream.Take(4).Select(e => e.EventType));
        Assert.Equal([new Deposited("acct-1", 12), new Deposited("acct-1", 7), new Deposited("acct-1", 50)], stream.Take(3).Select(e => e.Data));

        // Live aggregation reads the same stream, upcast, and folds it exactly as the daemon did.
        var live = await bed.Store.AggregateStreamAsync<AccountBalanceProjection, AccountBalance>("acct-1", cancellationToken: Ct);
        var stored = await ReadBalanceAsync(database.ConnectionString, "acct-1");
        Assert.NotNull(live);
        Assert.Equal((stored.Balance, stored.Events, stored.LastSequence), (live.Balance, live.Events, live.LastSequence));
        Assert.Equal(12 + 7 + 50 - 3, (await bed.Store.AggregateStreamAsync<AccountBalanceProjection, AccountBalance>("acct-1", upToVersion: 4, cancellationToken: Ct))!.Balance);
    }

    [Fact]
    public async Task A_daemon_whose_registry_lacks_the_generated_upcasters_refuses_to_start()
    {
        await using var database = await postgres.CreateDatabaseAsync("upcastmissing");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var oldAppData = Npgsql.NpgsqlDataSource.Create(database.ConnectionString);
        var oldApp = new PostgresEventStore(oldAppData, new EventStoreOptions(), new EventTypeRegistry().Register(typeof(LegacyDepositWritten), "legacy_deposit"));
        await oldApp.AppendAsync("acct-1", [new LegacyDepositWritten("acct-1", 1_200)], ExpectedVersion.NoStream, cancellationToken: Ct);
        await bed.Store.AppendAsync("acct-1", [new Deposited("acct-1", 5)], ExpectedVersion.Exactly(1), cancellationToken: Ct);

        // The node forgot AddUpcasters: its projections would silently skip every event stored under an upcast-only name.
        var forgetful = new PostgresEventStore(oldAppData, new EventStoreOptions(), new EventTypeRegistry().Register<Deposited>().Register<Withdrawn>());
        await using var daemon = new ProjectionDaemon(forgetful, [new LedgerProjection()], new ProjectionDaemonOptions { ConnectionString = database.ConnectionString, NodeName = "forgetful" });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => daemon.StartAsync(Ct));
        Assert.Contains("'ledger'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'legacy_deposit'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'deposited_v1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddUpcasters(ProjectionGen.Generated.GeneratedUpcasters.All)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Live_aggregation_needs_no_daemon_and_equals_the_daemons_document_for_every_stream()
    {
        await using var database = await postgres.CreateDatabaseAsync("live");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(200, streams: 7);

        // No daemon yet: a command handler folds the stream on demand.
        var first = await bed.Store.AggregateStreamAsync<AccountBalanceProjection, AccountBalance>("acct-3", cancellationToken: Ct);
        Assert.NotNull(first);
        Assert.Null(await bed.Store.AggregateStreamAsync<AccountBalanceProjection, AccountBalance>("no-such-stream", cancellationToken: Ct));
        Assert.Null(await bed.Store.AggregateStreamAsync<AccountBalanceProjection, AccountBalance>("acct-3", upToVersion: 0, cancellationToken: Ct));
        var prefix = await bed.Store.AggregateStreamAsync<AccountBalanceProjection, AccountBalance>("acct-3", upToVersion: 5, cancellationToken: Ct);
        Assert.Equal(5, prefix!.Events);

        var daemon = bed.CreateDaemon("solo", DaemonTestBed.StandardProjections());
        await daemon.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
        for (var i = 0; i < 7; i++)
        {
            var id = $"acct-{i}";
            var live = await bed.Store.AggregateStreamAsync<AccountBalanceProjection, AccountBalance>(id, cancellationToken: Ct);
            var stored = await ReadBalanceAsync(database.ConnectionString, id);
            Assert.Equal((stored.Balance, stored.Events, stored.LastSequence), (live!.Balance, live.Events, live.LastSequence));
        }
    }

    [Fact]
    public async Task Live_aggregation_refuses_a_stream_with_an_unreadable_event()
    {
        await using var database = await postgres.CreateDatabaseAsync("liveunknown");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var otherData = Npgsql.NpgsqlDataSource.Create(database.ConnectionString);
        var other = new PostgresEventStore(otherData, new EventStoreOptions(), new EventTypeRegistry().Register<Deposited>().Register(typeof(LegacyDepositWritten), "mystery"));
        await other.AppendAsync("acct-9", [new Deposited("acct-9", 1), new LegacyDepositWritten("x", 1)], ExpectedVersion.NoStream, cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => bed.Store.AggregateStreamAsync<AccountBalanceProjection, AccountBalance>("acct-9", cancellationToken: Ct));
        Assert.Contains("(version 2, type 'mystery') of stream 'acct-9' cannot be read", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await bed.Store.AggregateStreamAsync<AccountBalanceProjection, AccountBalance>("acct-9", upToVersion: 1, cancellationToken: Ct))!.Balance);
    }

    private static async Task<AccountBalance> ReadBalanceAsync(string connectionString, string id)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new Npgsql.NpgsqlCommand("SELECT data::text FROM projectiongen.doc_account_balance WHERE id = $1", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
        var json = (string)(await command.ExecuteScalarAsync(Ct))!;
        return System.Text.Json.JsonSerializer.Deserialize<AccountBalance>(json, DocumentJson)!;
    }
}
