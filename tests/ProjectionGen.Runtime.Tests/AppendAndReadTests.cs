using Npgsql;
using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

public sealed class AppendAndReadTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Appended_events_read_back_by_sequence_and_by_stream_with_metadata()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "append");
        var store = scope.Store;
        var metadata = new AppendMetadata { CorrelationId = "corr", CausationId = "cause", TenantId = "tenant-a", StreamType = "order" };

        var first = await store.AppendAsync("order-1", [new OrderPlaced("o1", 10m), new ItemAdded("sku", 2)], ExpectedVersion.NoStream, metadata, Ct);
        var second = await store.AppendAsync("order-1", [new CustomerRenamed("Ada")], ExpectedVersion.Exactly(2), cancellationToken: Ct);

        Assert.Equal(new AppendResult(1, 2, 2), first);
        Assert.Equal(new AppendResult(3, 3, 3), second);

        var all = await store.ReadAllAsync(0, long.MaxValue, 100, null, Ct);
        Assert.Equal([1L, 2L, 3L], all.Select(e => e.Sequence));
        Assert.Equal([1L, 2L, 3L], all.Select(e => e.StreamVersion));
        Assert.Equal(["order_placed", "item_added", "customer_renamed_v2"], all.Select(e => e.EventType));
        Assert.Equal(new OrderPlaced("o1", 10m), all[0].Data);
        Assert.Equal(new ItemAdded("sku", 2), all[1].Data);
        Assert.Equal(new CustomerRenamed("Ada"), all[2].Data);
        Assert.All(all, e => Assert.Null(e.DeserializationError));
        Assert.Equal(("corr", "cause", "tenant-a"), (all[0].CorrelationId, all[0].CausationId, all[0].TenantId));
        Assert.Null(all[2].CorrelationId);
        Assert.True((DateTimeOffset.UtcNow - all[0].Timestamp).Duration() < TimeSpan.FromMinutes(5));

        var stream = await store.ReadStreamAsync("order-1", Ct);
        Assert.Equal(all.Select(e => e.Sequence), stream.Select(e => e.Sequence));
        Assert.Empty(await store.ReadStreamAsync("missing", Ct));
        Assert.Equal("order", await scope.ScalarAsync<string>("SELECT type FROM projectiongen.streams WHERE id = 'order-1'"));
        Assert.Equal(3L, await scope.ScalarAsync<long>("SELECT version FROM projectiongen.streams WHERE id = 'order-1'"));
    }

    [Fact]
    public async Task Without_prepared_statements_the_store_works_the_same()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "unprepared", new EventStoreOptions { PrepareStatements = false });
        var result = await scope.Store.AppendAsync("s", [new OrderPlaced("o", 1m)], ExpectedVersion.NoStream, cancellationToken: Ct);
        await Assert.ThrowsAsync<ConcurrencyException>(() => scope.Store.AppendAsync("s", [new OrderPlaced("o", 1m)], ExpectedVersion.NoStream, cancellationToken: Ct));
        Assert.Equal(result.LastSequence, await scope.Store.ReadSafeHighWaterMarkAsync(Ct));
        Assert.Single(await scope.Store.ReadAllAsync(0, result.LastSequence, 10, null, Ct));
        Assert.Single(await scope.Store.ReadStreamAsync("s", Ct));
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM pg_prepared_statements"));
    }

    [Fact]
    public async Task Reads_respect_the_range_the_batch_limit_and_the_type_filter()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "range");
        var store = scope.Store;
        var events = Enumerable.Range(1, 100).Select(i => i % 2 == 0 ? (object)new ItemAdded("s" + i, i) : new OrderPlaced("o" + i, i)).ToList();
        var result = await store.AppendAsync(Guid.NewGuid(), events, ExpectedVersion.Any, cancellationToken: Ct);
        Assert.Equal((1L, 100L, 100L), (result.FirstSequence, result.LastSequence, result.StreamVersion));

        // One append's numbers follow its events' order.
        var all = await store.ReadAllAsync(0, 100, 1000, null, Ct);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), all.Select(e => e.Sequence));
        Assert.Equal(all.Select(e => e.Sequence), all.Select(e => e.StreamVersion));

        var window = await store.ReadAllAsync(10, 50, 15, null, Ct);
        Assert.Equal(Enumerable.Range(11, 15).Select(i => (long)i), window.Select(e => e.Sequence));

        var items = await store.ReadAllAsync(0, 20, 100, ["item_added"], Ct);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => 2L * i), items.Select(e => e.Sequence));
        Assert.Empty(await store.ReadAllAsync(0, 100, 100, [], Ct));
        Assert.Empty(await store.ReadAllAsync(50, 50, 100, null, Ct));
    }

    [Fact]
    public async Task Guid_stream_ids_are_stored_in_their_canonical_form()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "guid");
        var id = Guid.NewGuid();
        await scope.Store.AppendAsync(id, [new OrderPlaced("o", 1m)], ExpectedVersion.NoStream, cancellationToken: Ct);
        await scope.Store.AppendAsync(id, [new OrderPlaced("o", 2m)], ExpectedVersion.Exactly(1), cancellationToken: Ct);

        var stream = await scope.Store.ReadStreamAsync(id, Ct);
        Assert.Equal([1L, 2L], stream.Select(e => e.StreamVersion));
        Assert.All(stream, e => Assert.Equal(id.ToString("D"), e.StreamId));
    }

    [Fact]
    public async Task A_wrong_expected_version_throws_and_writes_nothing()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "expected");
        var store = scope.Store;
        await store.AppendAsync("s", [new OrderPlaced("o", 1m)], ExpectedVersion.NoStream, cancellationToken: Ct);

        var stale = await Assert.ThrowsAsync<ConcurrencyException>(() => store.AppendAsync("s", [new OrderPlaced("o", 2m)], ExpectedVersion.Exactly(3), cancellationToken: Ct));
        Assert.Equal(("s", 1L, ExpectedVersion.Exactly(3)), (stale.StreamId, stale.ActualVersion, stale.Expected));
        var exists = await Assert.ThrowsAsync<ConcurrencyException>(() => store.AppendAsync("s", [new OrderPlaced("o", 2m)], ExpectedVersion.NoStream, cancellationToken: Ct));
        Assert.Equal(1L, exists.ActualVersion);
        var missing = await Assert.ThrowsAsync<ConcurrencyException>(() => store.AppendAsync("nope", [new OrderPlaced("o", 2m)], ExpectedVersion.Exactly(1), cancellationToken: Ct));
        Assert.Equal(0L, missing.ActualVersion);
        Assert.Contains("no stream", missing.Message, StringComparison.Ordinal);

        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.events"));
        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.streams"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Two_appenders_racing_on_one_stream_one_wins_and_the_other_gets_a_concurrency_exception(bool newStream)
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "race");
        var store = scope.Store;
        var expected = ExpectedVersion.NoStream;
        if (!newStream)
        {
            await store.AppendAsync("race", [new OrderPlaced("o", 0m)], ExpectedVersion.NoStream, cancellationToken: Ct);
            expected = ExpectedVersion.Exactly(1);
        }

        // The first appender holds its transaction open after appending, so the second surely runs into it.
        await using var first = await scope.DataSource.OpenConnectionAsync(Ct);
        await using var transaction = await first.BeginTransactionAsync(Ct);
        await store.AppendAsync(first, "race", [new OrderPlaced("a", 1m), new ItemAdded("a", 1)], expected, null, Ct);

        var second = Task.Run(() => store.AppendAsync("race", [new OrderPlaced("b", 2m), new ItemAdded("b", 2), new ItemAdded("b", 3)], expected, cancellationToken: Ct), Ct);
        await WaitForLockWaitAsync(scope);
        Assert.False(second.IsCompleted);
        await transaction.CommitAsync(Ct);

        var conflict = await Assert.ThrowsAsync<ConcurrencyException>(() => second);
        Assert.Equal(expected.Version + 2, conflict.ActualVersion);

        var stream = await store.ReadStreamAsync("race", Ct);
        var appended = stream.Where(e => e.StreamVersion > expected.Version).ToList();
        Assert.Equal(2, appended.Count);
        Assert.All(appended, e => Assert.Contains("\"a\"", System.Text.Json.JsonSerializer.Serialize(e.Data), StringComparison.Ordinal));
        Assert.Equal(expected.Version + 2, await scope.ScalarAsync<long>("SELECT version FROM projectiongen.streams WHERE id = 'race'"));
    }

    [Fact]
    public async Task Many_racing_appenders_on_one_stream_never_leave_partial_appends()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "racemany");
        var store = scope.Store;
        var start = new TaskCompletionSource();
        var attempts = Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
        {
            await start.Task;
            try
            {
                await store.AppendAsync("hot", [new ItemAdded("w" + i, 1), new ItemAdded("w" + i, 2), new ItemAdded("w" + i, 3)], ExpectedVersion.NoStream, cancellationToken: Ct);
                return true;
            }
            catch (ConcurrencyException)
            {
                return false;
            }
        }, Ct)).ToList();
        start.SetResult();
        var outcomes = await Task.WhenAll(attempts);

        Assert.Single(outcomes, won => won);
        var stream = await store.ReadStreamAsync("hot", Ct);
        Assert.Equal([1L, 2L, 3L], stream.Select(e => e.StreamVersion));
        Assert.Single(stream.Select(e => ((ItemAdded)e.Data!).Sku).Distinct());
    }

    [Fact]
    public async Task Concurrent_appends_with_any_version_to_a_new_stream_all_succeed_in_one_gapless_order()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "anyrace");
        var start = new TaskCompletionSource();
        var appends = Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await scope.Store.AppendAsync("busy", [new ItemAdded("w" + i, 1), new ItemAdded("w" + i, 2)], ExpectedVersion.Any, cancellationToken: Ct);
        }, Ct)).ToList();
        start.SetResult();
        var results = await Task.WhenAll(appends);

        Assert.Equal(Enumerable.Range(1, 10).Select(i => 2L * i), results.Select(r => r.StreamVersion).Order());
        var stream = await scope.Store.ReadStreamAsync("busy", Ct);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), stream.Select(e => e.StreamVersion));
        Assert.All(stream.Chunk(2), pair => Assert.Equal(((ItemAdded)pair[0].Data!).Sku, ((ItemAdded)pair[1].Data!).Sku));
    }

    [Fact]
    public async Task A_committed_append_notifies_the_schema_channel()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "notify");
        await using var listener = await scope.DataSource.OpenConnectionAsync(Ct);
        var payloads = new List<string>();
        listener.Notification += (_, e) => payloads.Add(e.Channel + ":" + e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN \"{scope.Store.NotificationChannel}\"", listener))
        {
            await listen.ExecuteNonQueryAsync(Ct);
        }

        Assert.Equal("projectiongen_events", scope.Store.NotificationChannel);
        await scope.Store.AppendAsync("n", [new OrderPlaced("o", 1m), new OrderPlaced("o", 2m)], ExpectedVersion.Any, cancellationToken: Ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await listener.WaitAsync(timeout.Token);
        Assert.Equal(["projectiongen_events:2"], payloads);
    }

    private static async Task WaitForLockWaitAsync(StoreScope scope)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await scope.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The second appender never waited for the first.");
            await Task.Delay(10, Ct);
        }
    }
}
