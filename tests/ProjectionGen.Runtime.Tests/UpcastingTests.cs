using System.Text.Json;
using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Upcasting in the registry and the store's read API, against a real server: events keep their stored name and JSON,
/// and every read returns the current type. (The generator's part, GeneratedUpcasters, is covered in the generator and
/// daemon tests; here the upcasters are built by hand.)
/// </summary>
public sealed class UpcastingTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record PriceV1(string Sku, int Cents);

    [EventType("price_v2")]
    public sealed record PriceV2(string Sku, decimal Amount);

    public sealed record Price(string Sku, decimal Amount, string Currency);

    /// <summary>How version 0 of an app stored prices; the type no longer exists in the "current" registry.</summary>
    [EventType("price_quoted")]
    public sealed record PriceQuoted(string Product, string Text);

    private static readonly EventUpcaster V1ToV2 = EventUpcaster.FromType<PriceV1, PriceV2>(old => new PriceV2(old.Sku, old.Cents / 100m), "V1ToV2");
    private static readonly EventUpcaster V2ToCurrent = EventUpcaster.FromType<PriceV2, Price>(old => new Price(old.Sku, old.Amount, "EUR"), "V2ToCurrent");
    private static readonly EventUpcaster FromQuoted = EventUpcaster.FromJson(
        "price_quoted",
        json => new PriceV1(json.GetProperty("product").GetString()!, int.Parse(json.GetProperty("text").GetString()!, System.Globalization.CultureInfo.InvariantCulture)),
        "FromQuoted");

    private static EventTypeRegistry Current() => new EventTypeRegistry().AddUpcasters([V2ToCurrent, V1ToV2, FromQuoted]);

    [Fact]
    public void A_chain_is_followed_to_the_newest_type_and_its_stored_names_are_read_as_it()
    {
        var registry = Current();
        Assert.Equal(new Price("a", 1.5m, "EUR"), registry.Upcast(new PriceV1("a", 150)));
        Assert.Equal(new Price("b", 2m, "EUR"), registry.Upcast(new PriceV2("b", 2m)));
        Assert.Equal(new Price("c", 3m, "EUR"), registry.Upcast(new Price("c", 3m, "EUR")));
        Assert.Equal(["price", "price_quoted", "price_v1", "price_v2"], registry.GetStoredNamesReadAs(typeof(Price)));
        Assert.Empty(registry.GetStoredNamesReadAs(typeof(PriceV1)));

        // The old CLR types and the target are registered under their usual names (they can still be appended).
        Assert.Equal("price_v1", registry.GetName(typeof(PriceV1)));
        Assert.Equal("price_v2", registry.GetName(typeof(PriceV2)));
        Assert.Equal("price", registry.GetName(typeof(Price)));
    }

    [Fact]
    public void Duplicates_cycles_and_name_clashes_are_refused()
    {
        var registry = Current();
        Assert.Contains("already upcast by V1ToV2", Assert.Throws<ArgumentException>(() => registry.AddUpcaster(EventUpcaster.FromType<PriceV1, Price>(_ => new Price("", 0, ""), "Other"))).Message, StringComparison.Ordinal);
        Assert.Contains("already read as raw JSON by FromQuoted", Assert.Throws<ArgumentException>(() => registry.AddUpcaster(EventUpcaster.FromJson("price_quoted", _ => new Price("", 0, ""), "Again"))).Message, StringComparison.Ordinal);
        Assert.Contains("would close a cycle", Assert.Throws<ArgumentException>(() => registry.AddUpcaster(EventUpcaster.FromType<Price, PriceV1>(_ => new PriceV1("", 0), "Back"))).Message, StringComparison.Ordinal);
        Assert.Contains("is registered for", Assert.Throws<ArgumentException>(() => registry.AddUpcaster(EventUpcaster.FromJson("price_v2", _ => new Price("", 0, ""), "Shadow"))).Message, StringComparison.Ordinal);
        Assert.Contains("read as raw JSON by FromQuoted", Assert.Throws<ArgumentException>(() => registry.Register<PriceQuoted>()).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => EventUpcaster.FromType<Price, Price>(p => p));
        Assert.Throws<ArgumentException>(() => EventUpcaster.FromJson(" ", _ => new Price("", 0, "")));
    }

    [Fact]
    public async Task Events_appended_under_old_shapes_are_read_as_the_current_type_by_stream_and_by_sequence()
    {
        // The "old app" appends v1, v2 and the raw "price_quoted" shape; its registry knows those types.
        var old = new EventTypeRegistry().Register<PriceV1>().Register<PriceV2>().Register<PriceQuoted>().Register<Price>();
        await using var scope = await StoreScope.CreateAsync(postgres, "upcast", types: old);
        await scope.Store.AppendAsync("p", [new PriceV1("a", 150), new PriceV2("b", 2m), new PriceQuoted("c", "325"), new Price("d", 4m, "USD")], ExpectedVersion.NoStream, cancellationToken: Ct);

        var current = scope.OtherStore(types: Current());
        var byStream = await current.ReadStreamAsync("p", Ct);
        Assert.Equal(
            [new Price("a", 1.5m, "EUR"), new Price("b", 2m, "EUR"), new Price("c", 3.25m, "EUR"), new Price("d", 4m, "USD")],
            byStream.Select(e => e.Data));
        Assert.Equal(["price_v1", "price_v2", "price_quoted", "price"], byStream.Select(e => e.EventType));

        var mark = await current.ReadSafeHighWaterMarkAsync(Ct);
        var byType = await current.ReadAllAsync(0, mark, 100, current.Types.GetStoredNamesReadAs(typeof(Price)), Ct);
        Assert.Equal(byStream.Select(e => e.Data), byType.Select(e => e.Data));

        // Nothing was rewritten: the stored rows keep their old names and JSON.
        Assert.Equal("""{"sku": "a", "cents": 150}""", await scope.ScalarAsync<string>("SELECT data::text FROM projectiongen.events WHERE type = 'price_v1'"));
    }

    [Fact]
    public async Task A_failing_upcaster_makes_the_event_unreadable_with_the_reason_instead_of_throwing()
    {
        var old = new EventTypeRegistry().Register<PriceQuoted>();
        await using var scope = await StoreScope.CreateAsync(postgres, "upcastfail", types: old);
        await scope.Store.AppendAsync("p", [new PriceQuoted("c", "not a number")], ExpectedVersion.NoStream, cancellationToken: Ct);

        var read = Assert.Single(await scope.OtherStore(types: Current()).ReadStreamAsync("p", Ct));
        Assert.Null(read.Data);
        Assert.StartsWith("The body of event type 'price_quoted' could not be upcast by FromQuoted:", read.DeserializationError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_raw_json_upcaster_sees_the_stored_json()
    {
        using var json = JsonDocument.Parse("""{"product":"x","text":"5"}""");
        Assert.Equal(new PriceV1("x", 5), FromQuoted.Upcast(json.RootElement));
        Assert.Throws<InvalidOperationException>(() => FromQuoted.Upcast(new PriceV1("x", 5)));
        Assert.Throws<InvalidOperationException>(() => EventUpcaster.FromType<PriceV1, Price>(_ => null!).Upcast(new PriceV1("x", 5)));
    }
}
