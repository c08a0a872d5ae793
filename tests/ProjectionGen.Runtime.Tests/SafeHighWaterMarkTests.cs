using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>Deterministic interleavings of the safe high-water mark.</summary>
public sealed class SafeHighWaterMarkTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_mark_is_zero_on_an_empty_store_and_follows_committed_appends()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "hwm");
        Assert.Equal(0, await scope.Store.ReadSafeHighWaterMarkAsync(Ct));
        await scope.Store.AppendAsync("a", [new OrderPlaced("o", 1m), new OrderPlaced("o", 2m)], ExpectedVersion.Any, cancellationToken: Ct);
        Assert.Equal(2, await scope.Store.ReadSafeHighWaterMarkAsync(Ct));
        await scope.Store.AppendAsync("b", [new OrderPlaced("o", 3m)], ExpectedVersion.Any, cancellationToken: Ct);
        Assert.Equal(3, await scope.Store.ReadSafeHighWaterMarkAsync(Ct));
    }

    [Fact]
    public async Task An_open_appender_holds_the_mark_below_its_numbers_until_it_commits()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "hwmopen");
        var store = scope.Store;
        await store.AppendAsync("a", [new OrderPlaced("o", 1m)], ExpectedVersion.Any, cancellationToken: Ct);

        await using var slow = await OpenAppend.StartAsync(scope, "slow", 2);
        Assert.Equal((2L, 3L), (slow.Result.FirstSequence, slow.Result.LastSequence));
        await store.AppendAsync("fast", [new OrderPlaced("o", 4m)], ExpectedVersion.Any, cancellationToken: Ct);

        // max(seq) is 4 now; a naive mark would pass 2 and 3 before they commit.
        Assert.Equal(4L, await scope.ScalarAsync<long>("SELECT max(seq) FROM projectiongen.events"));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1, await store.ReadSafeHighWaterMarkAsync(Ct));
        }

        await slow.CommitAsync();
        Assert.Equal(4, await store.ReadSafeHighWaterMarkAsync(Ct));
        Assert.Equal([1L, 2L, 3L, 4L], (await store.ReadAllAsync(0, 4, 10, null, Ct)).Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_rolled_back_append_leaves_a_gap_that_the_mark_passes_once_it_has_ended()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "hwmrollback");
        var store = scope.Store;
        await using var doomed = await OpenAppend.StartAsync(scope, "doomed");
        await store.AppendAsync("b", [new OrderPlaced("o", 2m)], ExpectedVersion.Any, cancellationToken: Ct);
        Assert.Equal(0, await store.ReadSafeHighWaterMarkAsync(Ct));

        await doomed.RollbackAsync();
        Assert.Equal(2, await store.ReadSafeHighWaterMarkAsync(Ct));
        Assert.Equal([2L], (await store.ReadAllAsync(0, 2, 10, null, Ct)).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Under_continuous_load_a_rollback_gap_does_not_stall_the_mark()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "hwmload");
        var store = scope.Store;
        var doomed = await OpenAppend.StartAsync(scope, "doomed");               // seq 1, rolled back later
        await store.AppendAsync("b", [new OrderPlaced("o", 2m)], ExpectedVersion.Any, cancellationToken: Ct); // seq 2
        Assert.Equal(0, await store.ReadSafeHighWaterMarkAsync(Ct));             // barrier: max 2, waiting for seq 1's appender

        // From here on some appender is always in flight.
        var inFlight = await OpenAppend.StartAsync(scope, "c");                  // seq 3, open
        await doomed.RollbackAsync();
        await doomed.DisposeAsync();
        Assert.Equal(2, await store.ReadSafeHighWaterMarkAsync(Ct));             // the gap is passed though seq 3 is open

        var next = await OpenAppend.StartAsync(scope, "d");                      // seq 4, open while 3 commits
        await inFlight.CommitAsync();
        await inFlight.DisposeAsync();
        Assert.Equal(3, await store.ReadSafeHighWaterMarkAsync(Ct));             // visible run 3; 4 still open
        await next.CommitAsync();
        await next.DisposeAsync();
        Assert.Equal(4, await store.ReadSafeHighWaterMarkAsync(Ct));
    }

    [Fact]
    public async Task A_session_idle_in_transaction_after_writing_an_unrelated_table_does_not_hold_the_mark_back()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "hwmidle");
        var store = scope.Store;
        await using (var create = scope.DataSource.CreateCommand("CREATE TABLE unrelated (id int)"))
        {
            await create.ExecuteNonQueryAsync(Ct);
        }

        await using var idle = await scope.DataSource.OpenConnectionAsync(Ct);
        await using var idleTransaction = await idle.BeginTransactionAsync(Ct);
        await using (var write = new Npgsql.NpgsqlCommand("INSERT INTO unrelated VALUES (1)", idle))
        {
            await write.ExecuteNonQueryAsync(Ct);
        }

        // The idle session has a transaction id older than every append below, and stays open throughout.
        await store.AppendAsync("a", [new OrderPlaced("o", 1m)], ExpectedVersion.Any, cancellationToken: Ct);
        Assert.Equal(1, await store.ReadSafeHighWaterMarkAsync(Ct));
        await store.AppendAsync("b", [new OrderPlaced("o", 2m), new OrderPlaced("o", 3m)], ExpectedVersion.Any, cancellationToken: Ct);
        Assert.Equal(3, await store.ReadSafeHighWaterMarkAsync(Ct));
        Assert.Equal("idle in transaction", await scope.ScalarAsync<string>(
            $"SELECT state FROM pg_stat_activity WHERE pid = {idle.ProcessID}"));
        await idleTransaction.RollbackAsync(Ct);
    }

    [Fact]
    public async Task An_appender_in_another_schema_does_not_hold_this_schema_back()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "hwmschemas");
        var other = scope.OtherStore(new EventStoreOptions { Schema = "other" });
        await other.ApplySchemaAsync(Ct);
        await using var connection = await scope.DataSource.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        await other.AppendAsync(connection, "elsewhere", [new OrderPlaced("o", 1m)], ExpectedVersion.Any, null, Ct);

        await scope.Store.AppendAsync("a", [new OrderPlaced("o", 1m)], ExpectedVersion.Any, cancellationToken: Ct);
        Assert.Equal(1, await scope.Store.ReadSafeHighWaterMarkAsync(Ct));
        Assert.Equal(0, await other.ReadSafeHighWaterMarkAsync(Ct));
        await transaction.CommitAsync(Ct);
        Assert.Equal(1, await other.ReadSafeHighWaterMarkAsync(Ct));
    }

    [Fact]
    public async Task The_mark_never_decreases_and_a_new_store_instance_computes_the_same_mark()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "hwmfresh");
        await scope.Store.AppendAsync("a", [new OrderPlaced("o", 1m)], ExpectedVersion.Any, cancellationToken: Ct);
        await using var open = await OpenAppend.StartAsync(scope, "b");
        await scope.Store.AppendAsync("c", [new OrderPlaced("o", 3m)], ExpectedVersion.Any, cancellationToken: Ct);

        var fresh = scope.OtherStore();
        Assert.Equal(1, await fresh.ReadSafeHighWaterMarkAsync(Ct));
        Assert.Equal(1, await scope.Store.ReadSafeHighWaterMarkAsync(Ct));
        await open.RollbackAsync();
        Assert.Equal(3, await fresh.ReadSafeHighWaterMarkAsync(Ct));
    }
}
