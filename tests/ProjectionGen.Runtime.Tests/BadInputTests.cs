using Npgsql;
using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

public sealed class BadInputTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("1starts_with_digit")]
    [InlineData("has-dash")]
    [InlineData("x; DROP TABLE events")]
    [InlineData("quote\"d")]
    [InlineData("a_name_that_is_longer_than_sixty_three_characters_is_not_allowed_x")]
    public void An_invalid_schema_name_is_refused_with_an_error_naming_the_setting(string schema)
    {
        using var dataSource = NpgsqlDataSource.Create("Host=localhost;Password=secret-password");
        var error = Assert.Throws<ArgumentException>(() => new PostgresEventStore(dataSource, new EventStoreOptions { Schema = schema }, new EventTypeRegistry()));
        Assert.Contains("EventStoreOptions.Schema", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schema_too_long_for_its_notification_channel_is_refused()
    {
        using var dataSource = NpgsqlDataSource.Create("Host=localhost");
        var error = Assert.Throws<ArgumentException>(() => new PostgresEventStore(dataSource, new EventStoreOptions { Schema = new string('s', 60) }, new EventTypeRegistry()));
        Assert.Contains("notification channel", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_custom_schema_holds_all_tables_and_keeps_stores_apart()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "schemas", new EventStoreOptions { Schema = "select" });
        var other = scope.OtherStore(new EventStoreOptions { Schema = "tenant_b" });
        await other.ApplySchemaAsync(Ct);
        await scope.Store.AppendAsync("s", [new OrderPlaced("o", 1m)], ExpectedVersion.Any, cancellationToken: Ct);

        Assert.Equal("select_events", scope.Store.NotificationChannel);
        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(*) FROM \"select\".events"));
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM tenant_b.events"));
        Assert.Equal(1, await scope.Store.ReadSafeHighWaterMarkAsync(Ct));
        Assert.Equal(0, await other.ReadSafeHighWaterMarkAsync(Ct));
    }

    [Fact]
    public async Task Null_and_empty_appends_are_refused_and_write_nothing()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "empty");
        var store = scope.Store;
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.AppendAsync("s", null!, ExpectedVersion.Any, cancellationToken: Ct));
        var empty = await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync("s", [], ExpectedVersion.Any, cancellationToken: Ct));
        Assert.Contains("at least one event", empty.Message, StringComparison.Ordinal);
        var nullEvent = await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync("s", [new OrderPlaced("o", 1m), null!], ExpectedVersion.Any, cancellationToken: Ct));
        Assert.Contains("Event 1 of the append is null", nullEvent.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.AppendAsync("", [new OrderPlaced("o", 1m)], ExpectedVersion.Any, cancellationToken: Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.AppendAsync((string)null!, [new OrderPlaced("o", 1m)], ExpectedVersion.Any, cancellationToken: Ct));

        await AssertNothingWrittenAsync(scope);
    }

    [Fact]
    public async Task Oversized_unregistered_and_unserializable_events_are_refused_and_nothing_of_their_append_is_written()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "payload", new EventStoreOptions { MaxEventBytes = 1000 });
        var store = scope.Store;

        var oversized = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.AppendAsync("s", [new OrderPlaced("small", 1m), new OrderPlaced(new string('x', 2000), 2m)], ExpectedVersion.Any, cancellationToken: Ct));
        Assert.Contains("MaxEventBytes (1000)", oversized.Message, StringComparison.Ordinal);
        Assert.Contains("Event 1", oversized.Message, StringComparison.Ordinal);

        var unregistered = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.AppendAsync("s", [new OrderPlaced("o", 1m), new ItemAddedWithTextQuantity("s", "1")], ExpectedVersion.Any, cancellationToken: Ct));
        Assert.Contains("not a registered event type", unregistered.Message, StringComparison.Ordinal);

        var cycle = new SelfReferencing();
        cycle.Next = cycle;
        var unserializable = await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync("s", [cycle], ExpectedVersion.Any, cancellationToken: Ct));
        Assert.Contains("could not be serialized", unserializable.Message, StringComparison.Ordinal);

        await AssertNothingWrittenAsync(scope);
    }

    [Fact]
    public async Task The_default_limit_accepts_one_mebibyte_and_refuses_more()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "mib");
        var overhead = """{"orderId":"","amount":1}""".Length;
        await scope.Store.AppendAsync("s", [new OrderPlaced(new string('x', EventStoreOptions.DefaultMaxEventBytes - overhead), 1m)], ExpectedVersion.Any, cancellationToken: Ct);
        await Assert.ThrowsAsync<ArgumentException>(() =>
            scope.Store.AppendAsync("s", [new OrderPlaced(new string('x', EventStoreOptions.DefaultMaxEventBytes - overhead + 1), 1m)], ExpectedVersion.Any, cancellationToken: Ct));
        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.events"));
    }

    [Fact]
    public async Task Unknown_type_names_and_malformed_bodies_are_surfaced_on_read_with_sequence_and_reason()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "unknown");
        var writerTypes = StoreScope.DefaultTypes().Register(typeof(ItemAddedWithTextQuantity), "item_added_text");
        var writer = scope.OtherStore(types: writerTypes);
        await writer.AppendAsync("s", [new OrderPlaced("o", 1m)], ExpectedVersion.Any, cancellationToken: Ct);
        await writer.AppendAsync("s", [new ItemAddedWithTextQuantity("sku", "many")], ExpectedVersion.Any, cancellationToken: Ct);
        await writer.AppendAsync("s", [new ItemAdded("sku", 3)], ExpectedVersion.Any, cancellationToken: Ct);
        await using (var corrupt = scope.DataSource.CreateCommand("UPDATE projectiongen.events SET data = '{\"sku\": \"sku\", \"quantity\": \"three\"}' WHERE seq = 3"))
        {
            await corrupt.ExecuteNonQueryAsync(Ct);
        }

        // The reader does not know item_added_text, and event 3's body no longer fits ItemAdded.
        var read = await scope.Store.ReadAllAsync(0, long.MaxValue, 10, null, Ct);

        Assert.Equal([1L, 2L, 3L], read.Select(e => e.Sequence));
        Assert.Equal(new OrderPlaced("o", 1m), read[0].Data);
        Assert.Null(read[1].Data);
        Assert.Equal("item_added_text", read[1].EventType);
        Assert.Contains("Unknown event type 'item_added_text'", read[1].DeserializationError, StringComparison.Ordinal);
        Assert.Null(read[2].Data);
        Assert.Contains("could not be deserialized as " + typeof(ItemAdded).FullName, read[2].DeserializationError, StringComparison.Ordinal);
        Assert.Equal(3, (await scope.Store.ReadStreamAsync("s", Ct)).Count);
    }

    [Fact]
    public async Task A_store_whose_schema_was_never_applied_says_so()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "noschema");
        var unapplied = scope.OtherStore(new EventStoreOptions { Schema = "never_applied" });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => unapplied.AppendAsync("s", [new OrderPlaced("o", 1m)], ExpectedVersion.Any, cancellationToken: Ct));
        Assert.Contains("call ApplySchemaAsync first", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => unapplied.ReadSafeHighWaterMarkAsync(Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => unapplied.ReadAllAsync(0, 10, 10, null, Ct));
    }

    [Fact]
    public async Task Read_arguments_are_checked()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "readargs");
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => scope.Store.ReadAllAsync(0, 10, 0, null, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => scope.Store.ReadStreamAsync("", Ct));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpectedVersion.Exactly(-1));
    }

    private static async Task AssertNothingWrittenAsync(StoreScope scope)
    {
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.events"));
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.streams"));
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT last_value FROM projectiongen.events_seq WHERE is_called"
            + " UNION ALL SELECT 0 LIMIT 1"));
    }
}
