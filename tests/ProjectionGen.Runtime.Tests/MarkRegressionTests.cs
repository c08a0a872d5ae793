using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The database goes back in time under a store that remembers a safe mark (a failover to an asynchronous standby, a
/// restore): the sequence then hands out numbers again below the remembered mark, and the store must start over from
/// what the server says instead of letting a reader pass those numbers while they are still being appended.
/// </summary>
public sealed class MarkRegressionTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_the_events_and_the_sequence_are_restored_to_an_earlier_point_the_mark_starts_over()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "hwmrestore");
        var store = scope.Store;
        await AppendOneByOneAsync(store, "before", 100);
        Assert.Equal(100, await store.ReadSafeHighWaterMarkAsync(Ct));

        // A restore of the store to an earlier point, in place: the events after 50 and the sequence's advance are gone.
        await using (var restore = scope.DataSource.CreateCommand(
            "DELETE FROM projectiongen.events WHERE seq > 50; SELECT setval('projectiongen.events_seq', 50)"))
        {
            await restore.ExecuteNonQueryAsync(Ct);
        }

        // 51 is handed out again and still in flight while 52 commits.
        await using var open = await OpenAppend.StartAsync(scope, "after-open");
        Assert.Equal(51, open.Result.FirstSequence);
        await store.AppendAsync("after", [new ItemAdded("x", 1)], ExpectedVersion.Any, cancellationToken: Ct);

        var mark = await store.ReadSafeHighWaterMarkAsync(Ct);
        Assert.True(mark < 51, $"The mark is {mark}: a reader would pass event 51 while its append is still in flight.");

        await open.CommitAsync();
        Assert.Equal(52, await store.ReadSafeHighWaterMarkAsync(Ct));
        Assert.Equal(52, (await store.ReadAllAsync(0, 52, 1000, null, Ct)).Count);
    }

    [Fact]
    public async Task After_a_failover_to_a_standby_that_missed_the_last_appends_the_mark_starts_over()
    {
        await using var primary = await DedicatedPostgres.StartAsync();
        await using var standby = await primary.CreateStandbyAsync(Ct);

        // The clients reach whichever of the two is the primary (multi-host connection string, as an application would).
        var primaryPort = new NpgsqlConnectionStringBuilder(primary.ConnectionString).Port;
        var standbyPort = new NpgsqlConnectionStringBuilder(standby.ConnectionString).Port;
        var connectionString = new NpgsqlConnectionStringBuilder(primary.ConnectionString)
        {
            Host = $"127.0.0.1:{primaryPort},127.0.0.1:{standbyPort}",
            TargetSessionAttributes = "primary",
            HostRecheckSeconds = 0,
        }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = new PostgresEventStore(dataSource, new EventStoreOptions(), StoreScope.DefaultTypes());
        await store.ApplySchemaAsync(Ct);

        await AppendOneByOneAsync(store, "replicated", 100);
        await WaitUntilReplayedAsync(primary, standby);

        // The standby stops receiving; the primary takes 50 more appends that never reach it, and the store's mark passes them.
        await standby.StopAsync(Ct);
        await AppendOneByOneAsync(store, "lost", 50);
        Assert.Equal(150, await store.ReadSafeHighWaterMarkAsync(Ct));

        // The primary dies; the standby, 50 events behind, is promoted and the clients fail over to it.
        await primary.CrashAsync(restart: false, Ct);
        await standby.StartAsync(Ct);
        await standby.PromoteAsync(Ct);
        dataSource.Clear();

        // The new primary hands out numbers again below the remembered mark (150): one append stays in flight while
        // enough others commit to carry max(seq) past 150, so that only the changed server can tell the mark is stale.
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        var open = await store.AppendAsync(connection, "after-open", [new ItemAdded("x", 1)], ExpectedVersion.Any, null, Ct);
        Assert.True(open.FirstSequence is > 100 and <= 150, $"The new primary handed out {open.FirstSequence}.");
        await store.AppendAsync("after", [.. Enumerable.Range(0, 60).Select(i => (object)new ItemAdded("y", i))], ExpectedVersion.Any, cancellationToken: Ct);

        var mark = await store.ReadSafeHighWaterMarkAsync(Ct);
        Assert.True(mark < open.FirstSequence, $"The mark is {mark}: a reader would pass event {open.FirstSequence} while its append is still in flight.");

        await transaction.CommitAsync(Ct);
        var final = await store.ReadSafeHighWaterMarkAsync(Ct);
        Assert.Equal(open.FirstSequence + 60, final);
        var events = await store.ReadAllAsync(0, final, 1000, null, Ct);
        Assert.Equal(100 + 1 + 60, events.Count);
        Assert.Contains(events, e => e.Sequence == open.FirstSequence);
    }

    private static async Task AppendOneByOneAsync(PostgresEventStore store, string stream, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await store.AppendAsync(stream, [new ItemAdded(stream, i)], ExpectedVersion.Any, cancellationToken: Ct);
        }
    }

    private static async Task WaitUntilReplayedAsync(PostgresServer primary, PostgresServer standby)
    {
        await using var source = await primary.OpenAdminConnectionAsync(Ct);
        await using var lsnCommand = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text", source);
        var target = (string)(await lsnCommand.ExecuteScalarAsync(Ct))!;
        await using var replica = await standby.OpenAdminConnectionAsync(Ct);
        await using var replayed = new NpgsqlCommand("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", replica);
        replayed.Parameters.Add(new NpgsqlParameter { Value = target });
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(bool)(await replayed.ExecuteScalarAsync(Ct))!)
        {
            Assert.True(DateTime.UtcNow < deadline, "The standby did not replay the primary's WAL within 60 s.");
            await Task.Delay(50, Ct);
        }
    }
}
