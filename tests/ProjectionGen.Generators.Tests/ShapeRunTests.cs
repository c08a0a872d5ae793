using System.Text.Json;
using ProjectionGen.EventStore;
using ProjectionGen.Generators.Tests.Seam;

namespace ProjectionGen.Generators.Tests;

/// <summary>The generated code of the new shapes, compiled and run against the in-memory seam and the runtime's registry.</summary>
public sealed class ShapeRunTests
{
    private static readonly CompiledSamples Shapes = CompiledSamples.Shapes;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Multi_stream_routes_load_every_touched_document_once_and_apply_each_documents_events_in_sequence_order()
    {
        var projection = Shapes.Create("customer_totals");
        var batch = new InMemoryBatch([]);
        batch.Add("order-1", Event("CustomerOrdered", "alice", 100))       // 1: alice created
            .Add("order-2", Event("ReferralOrdered", "bob", "alice"))      // 2: bob (new, parameterless) and alice; "bob" twice counts once
            .Add("order-3", Event("CustomerOrdered", "alice", 50))         // 3: alice applied
            .Add("order-4", Event("CustomerForgotten", "carol"))           // 4: carol has no document: nothing
            .Add("order-5", Event("CustomerOrdered", "bob", 7))            // 5: bob exists: applied
            .Add("order-6", Event("CustomerForgotten", "bob"));            // 6: bob deleted

        await projection.RunBatchAsync(batch, Ct);

        Assert.Equal(["load alice, bob, carol", "delete bob", "commit"], batch.Timeline);
        Assert.Equal(["alice"], batch.Stored.Keys);
        Assert.Equal("""{"Customer":"alice","Orders":2,"Cents":150,"Referrals":1,"Sequences":[1,2,3]}""", Json(batch.Stored["alice"]));
    }

    [Fact]
    public async Task Multi_stream_keeps_existing_documents_and_creates_only_missing_ones()
    {
        var projection = Shapes.Create("customer_totals");
        var batch = new InMemoryBatch([]);
        batch.Stored["alice"] = Document("CustomerTotal", """{"Customer":"alice","Orders":5,"Cents":500,"Sequences":[]}""");
        batch.Add("order-9", Event("CustomerOrdered", "alice", 1)).Add("order-9", Event("CustomerOrdered", "dave", 2), streamVersion: 2);

        await projection.RunBatchAsync(batch, Ct);

        Assert.Equal("""{"Customer":"alice","Orders":6,"Cents":501,"Referrals":0,"Sequences":[1]}""", Json(batch.Stored["alice"]));
        Assert.Equal("""{"Customer":"dave","Orders":1,"Cents":2,"Referrals":0,"Sequences":[2]}""", Json(batch.Stored["dave"]));
    }

    [Fact]
    public async Task Guid_int_and_long_ids_are_stored_as_text_and_a_base_type_route_covers_derived_events()
    {
        var account = Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
        var accounts = Shapes.Create("account_totals_projection");
        var batch = new InMemoryBatch([]);
        batch.Add("p1", Event("PaymentMade", account, 10L)).Add("p2", Event("LatePaymentMade", account, 5L));
        await accounts.RunBatchAsync(batch, Ct);
        Assert.Equal("""{"Sum":20,"Count":2}""", Json(batch.Stored["3f2504e0-4f89-11d3-9a0c-0305e82c3301"]));

        var bands = Shapes.Create("reading_bands_projection");
        batch = new InMemoryBatch([]);
        batch.Add("r", Event("Reading", 5)).Add("r", Event("Reading", 15), 2).Add("r", Event("Reading", 17), 3);
        await bands.RunBatchAsync(batch, Ct);
        Assert.Equal(["load 0, 1", "commit"], batch.Timeline);
        Assert.Equal("""{"Sum":32,"Count":2}""", Json(batch.Stored["1"]));

        var buckets = Shapes.Create("buckets_projection");
        batch = new InMemoryBatch([]);
        batch.Add("t", Event("Tallied", new List<long> { 9_000_000_000L, 2, 2 })).Add("t", Event("Tallied", new List<long>()), 2);
        await buckets.RunBatchAsync(batch, Ct);
        Assert.Equal(["load 9000000000, 2", "commit"], batch.Timeline);
        Assert.Equal("""{"Sum":1,"Count":1}""", Json(batch.Stored["2"]));
    }

    [Fact]
    public async Task A_route_returning_no_id_fails_the_event_like_a_handler_and_nothing_is_committed()
    {
        var projection = Shapes.Create("customer_totals");
        var batch = new InMemoryBatch([]);
        batch.Add("order-1", Event("CustomerOrdered", "alice", 1)).Add("order-2", Event("CustomerOrdered", "", 1));

        var error = await Assert.ThrowsAsync<ProjectionHandlerException>(() => projection.RunBatchAsync(batch, Ct).AsTask());

        Assert.Equal(2, error.Envelope.Sequence);
        Assert.IsType<ArgumentException>(error.InnerException);
        Assert.Equal(0, batch.Commits);
    }

    [Fact]
    public void Multi_stream_descriptors_say_so_and_list_the_handled_types()
    {
        var descriptor = Shapes.Create("customer_totals").Descriptor;
        Assert.True(descriptor.MultiStream);
        Assert.Equal(ProjectionKind.Aggregate, descriptor.Kind);
        Assert.Equal(["CustomerOrdered", "ReferralOrdered", "CustomerForgotten"], descriptor.EventTypes.Select(t => t.Name));
        Assert.False(Shapes.Create("ticket_board").Descriptor.MultiStream);
    }

    [Fact]
    public async Task Live_aggregation_folds_one_stream_exactly_as_a_batch_does()
    {
        var cart = SampleAssembly.Assembly.GetType("Shop.Projections.CartProjection", throwOnError: true)!;
        var document = SampleAssembly.Assembly.GetType("Shop.Projections.Cart", throwOnError: true)!;
        var batch = new InMemoryBatch([]);
        batch.Add("c1", SampleAssembly.New("Shop.Events.CartOpened", "ann"))
            .Add("c1", SampleAssembly.New("Shop.Events.CartItemAdded", 2), 2)
            .Add("c1", SampleAssembly.New("Shop.Events.CartCheckedOut"), 3)
            .Add("c1", SampleAssembly.New("Shop.Events.CartOpened", "ann"), 4);
        await SampleAssembly.Create("cart_projection").RunBatchAsync(batch, Ct);

        var folded = Fold(cart, document, null, batch.Events);
        Assert.Equal(Json(batch.Stored["c1"]), Json(folded!));

        // From a starting document, and to deletion.
        var start = JsonSerializer.Deserialize("""{"Owner":"bob","Items":0}""", document)!;
        Assert.Null(Fold(cart, document, start, [Envelope("c2", 1, SampleAssembly.New("Shop.Events.CartAbandoned", false))]));
        Assert.Null(Fold(cart, document, null, []));
    }

    [Fact]
    public void Live_aggregation_calls_instance_methods_on_a_new_instance_and_wraps_their_failures()
    {
        var ticket = SampleAssembly.Assembly.GetType("Shop.Projections.TicketProjection", throwOnError: true)!;
        var document = SampleAssembly.Assembly.GetType("Shop.Projections.Ticket", throwOnError: true)!;
        var folded = Fold(ticket, document, null, [
            Envelope("t", 1, SampleAssembly.New("Shop.Events.TicketOpened", "bug")),
            Envelope("t", 2, SampleAssembly.New("Shop.Events.TicketVoted")),
        ]);
        Assert.Equal("""{"Title":"bug","Votes":1}""", Json(folded!));

        var cart = SampleAssembly.Assembly.GetType("Shop.Projections.CartProjection", throwOnError: true)!;
        var error = Assert.Throws<ProjectionHandlerException>(() => Fold(cart, SampleAssembly.Assembly.GetType("Shop.Projections.Cart")!, null, [
            Envelope("c", 1, SampleAssembly.New("Shop.Events.CartItemAdded", -1)),
        ]));
        Assert.Equal("cart_projection", error.ProjectionName);
    }

    [Fact]
    public void Generated_upcasters_convert_type_chains_and_raw_json_to_the_current_type()
    {
        var upcasters = Shapes.Upcasters;
        Assert.Equal(
            [("TicketFiledV2", null, "TicketFiled"), ("TicketFiledV1", null, "TicketFiledV2"), (null, "ticket_opened", "TicketFiledV1")],
            upcasters.Select(u => (u.SourceType?.Name, u.SourceName, u.TargetType.Name)));

        var registry = new EventTypeRegistry().AddUpcasters(upcasters);
        var current = Shapes.Type("Shop.Events.TicketFiled");
        Assert.Equal(["ticket_filed", "ticket_filed_2", "ticket_filed_v1", "ticket_opened"], registry.GetStoredNamesReadAs(current));
        Assert.Empty(registry.GetStoredNamesReadAs(Shapes.Type("Shop.Events.TicketFiledV1")));
        Assert.Equal("ticket_filed_2", registry.GetName(Shapes.Type("Shop.Events.TicketFiledV2")));

        Assert.Equal(Shapes.New("Shop.Events.TicketFiled", "printer", 3, "triage"), registry.Upcast(Shapes.New("Shop.Events.TicketFiledV1", "printer")));
        Assert.Equal(Shapes.New("Shop.Events.TicketFiled", "vpn", 1, "triage"), registry.Upcast(Shapes.New("Shop.Events.TicketFiledV2", "vpn", 1)));

        // The generated descriptor names every stored name the registry reads as the handled type only through the
        // upcasters, so a daemon without them can refuse to start (docs/generator.md, "Upcasting").
        var descriptor = Shapes.Create("ticket_board").Descriptor;
        Assert.Equal(registry.GetStoredNamesReadAs(current).Where(name => name != "ticket_filed"), descriptor.UpcastFromNames);
        Assert.Empty(Shapes.Create("customer_totals").Descriptor.UpcastFromNames);

        using var json = JsonDocument.Parse("""{"subject":"coffee"}""");
        var v1 = upcasters.Single(u => u.SourceName == "ticket_opened").Upcast(json.RootElement);
        Assert.Equal(Shapes.New("Shop.Events.TicketFiled", "coffee", 3, "triage"), registry.Upcast(v1));
    }

    [Fact]
    public async Task A_projection_of_the_current_type_folds_upcast_events_live()
    {
        var registry = new EventTypeRegistry().AddUpcasters(Shapes.Upcasters);
        var board = Shapes.Type("Shop.Projections.TicketBoardProjection");
        var events = new[] { Shapes.New("Shop.Events.TicketFiledV1", "a"), Shapes.New("Shop.Events.TicketFiledV2", "b", 1), Shapes.New("Shop.Events.TicketFiled", "c", 2, "ops") }
            .Select((e, i) => Envelope("t", i + 1, registry.Upcast(e)))
            .ToList();
        Assert.Equal("""{"Title":"a","Priority":1,"Queue":"triage","Filed":3}""", Json(Fold(board, Shapes.Type("Shop.Projections.TicketBoard"), null, events)!));

        var batch = new InMemoryBatch([]);
        foreach (var envelope in events)
        {
            batch.Add("t", envelope.Data!, envelope.StreamVersion);
        }

        await Shapes.Create("ticket_board").RunBatchAsync(batch, Ct);
        Assert.Equal("""{"Title":"a","Priority":1,"Queue":"triage","Filed":3}""", Json(batch.Stored["t"]));
    }

    /// <summary>Calls the static <c>ILiveAggregation&lt;TDocument&gt;.Fold</c> of <paramref name="projection"/> (test-side reflection).</summary>
    private static object? Fold(Type projection, Type document, object? start, IReadOnlyList<EventEnvelope> events)
    {
        var fold = typeof(ShapeRunTests).GetMethod(nameof(FoldWith), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(projection, document);
        try
        {
            return fold.Invoke(null, [start, events]);
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    private static TDocument? FoldWith<TProjection, TDocument>(TDocument? start, IReadOnlyList<EventEnvelope> events)
        where TProjection : ILiveAggregation<TDocument>
        where TDocument : class => TProjection.Fold(start, events);

    private static EventEnvelope Envelope(string stream, long version, object data) =>
        new(version, stream, version, data.GetType().Name, data, DateTimeOffset.UnixEpoch.AddSeconds(version));

    private static object Event(string name, params object?[] arguments) => Shapes.New("Shop.Events." + name, arguments);

    private static object Document(string name, string json) => JsonSerializer.Deserialize(json, Shapes.Type("Shop.Projections." + name))!;

    private static string Json(object document) => JsonSerializer.Serialize(document, document.GetType());
}
