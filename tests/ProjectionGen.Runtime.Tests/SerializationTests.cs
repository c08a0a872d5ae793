using System.Text.Json;
using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

public sealed class SerializationTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_source_generated_context_serializes_and_deserializes_without_reflection()
    {
        var options = new EventStoreOptions { SerializerOptions = new JsonSerializerOptions { TypeInfoResolver = TestJsonContext.Default } };
        await using var scope = await StoreScope.CreateAsync(postgres, "jsonctx", options);

        await scope.Store.AppendAsync("s", [new OrderPlaced("o", 12.5m), new ItemAdded("sku", 3)], ExpectedVersion.Any, cancellationToken: Ct);
        var read = await scope.Store.ReadStreamAsync("s", Ct);
        Assert.Equal([new OrderPlaced("o", 12.5m), new ItemAdded("sku", 3)], read.Select(e => e.Data));
        Assert.Equal("""{"Amount":12.5,"OrderId":"o"}""", await scope.ScalarAsync<string>("SELECT data::text FROM projectiongen.events WHERE seq = 1").ContinueWith(t => t.Result.Replace(" ", "", StringComparison.Ordinal), Ct));

        // A registered type that the context does not cover is refused before anything is written.
        var error = await Assert.ThrowsAsync<ArgumentException>(() => scope.Store.AppendAsync("s", [new CustomerRenamed("x")], ExpectedVersion.Any, cancellationToken: Ct));
        Assert.Contains("could not be serialized", error.Message, StringComparison.Ordinal);
        Assert.Equal(2L, await scope.ScalarAsync<long>("SELECT count(*) FROM projectiongen.events"));
    }

    [Fact]
    public async Task The_default_options_write_camel_case_json()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "jsondefault");
        await scope.Store.AppendAsync("s", [new ItemAdded("sku", 3)], ExpectedVersion.Any, cancellationToken: Ct);
        Assert.Equal("""{"sku": "sku", "quantity": 3}""", await scope.ScalarAsync<string>("SELECT data::text FROM projectiongen.events"));
    }

    [Fact]
    public async Task A_body_that_jsonb_refuses_fails_the_whole_append_in_the_database()
    {
        await using var scope = await StoreScope.CreateAsync(postgres, "jsonb");
        await scope.Store.AppendAsync("s", [new OrderPlaced("before", 1m)], ExpectedVersion.Any, cancellationToken: Ct);

        // System.Text.Json writes "\u0000", which jsonb cannot store: the server refuses the append's bodies as a whole.
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            scope.Store.AppendAsync("s", [new OrderPlaced("fine", 2m), new OrderPlaced("nul\0char", 3m)], ExpectedVersion.Exactly(1), cancellationToken: Ct));
        Assert.Contains("Nothing was appended", error.Message, StringComparison.Ordinal);

        Assert.Equal([1L], (await scope.Store.ReadStreamAsync("s", Ct)).Select(e => e.StreamVersion));
        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT version FROM projectiongen.streams WHERE id = 's'"));
        var after = await scope.Store.AppendAsync("s", [new OrderPlaced("after", 4m)], ExpectedVersion.Exactly(1), cancellationToken: Ct);
        Assert.Equal(after.LastSequence, await scope.Store.ReadSafeHighWaterMarkAsync(Ct));
        Assert.Equal(2, (await scope.Store.ReadAllAsync(0, after.LastSequence, 10, null, Ct)).Count);
    }
}
