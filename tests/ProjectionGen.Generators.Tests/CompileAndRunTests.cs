using System.Text.Json;
using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Tests.Seam;

namespace ProjectionGen.Generators.Tests;

/// <summary>The generated code, compiled and run against an in-memory implementation of the runtime seam.</summary>
public sealed class CompileAndRunTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Generated_code_compiles_without_warnings_under_nullable()
    {
        var diagnostics = SampleAssembly.Run.Output.GetDiagnostics(Ct).Where(d => d.Severity >= DiagnosticSeverity.Warning);
        Assert.Empty(diagnostics);
        Assert.Equal(NullableContextOptions.Enable, SampleAssembly.Run.Output.Options.NullableContextOptions);
    }

    [Fact]
    public async Task Event_projection_dispatches_in_order_awaits_async_handlers_and_commits_once_at_the_end()
    {
        var (projection, batch) = Prepare("shop_ledger");
        batch.Add("o1", Event("OrderPlaced", "o1"))
            .Add("o1", Event("ItemAdded", "sku-1", 2), streamVersion: 2)
            .Add("o1", Event("PriceChanged", 250), streamVersion: 3)
            .Add("o1", Event("UrgentNote", "hurry"), streamVersion: 4)
            .Add("o1", Event("Note", "calm"), streamVersion: 5)
            .Add("o1", "an event type no handler takes", streamVersion: 6)
            .Add("o1", Event("OrderShipped", false), streamVersion: 7);

        await projection.RunBatchAsync(batch, Ct);

        Assert.Equal(
            [
                "placed o1",
                "sql INSERT INTO items (sku, quantity, seq) VALUES ($1, $2, $3) [sku-1, 2, 2]",
                "added sku-1 x2 at 2 in o1",
                "price 250",
                "urgent hurry",
                "note calm",
                "shipped v7",
                "commit",
            ],
            batch.Timeline);
        Assert.Equal(1, batch.Commits);
    }

    [Fact]
    public async Task Handler_exception_is_wrapped_with_the_projection_and_event_and_nothing_is_committed()
    {
        var (projection, batch) = Prepare("shop_ledger");
        batch.Add("o1", Event("OrderPlaced", "o1")).Add("o9", Event("OrderShipped", true), streamVersion: 3);

        var error = await Assert.ThrowsAsync<ProjectionHandlerException>(() => projection.RunBatchAsync(batch, Ct).AsTask());

        Assert.Equal("shop_ledger", error.ProjectionName);
        Assert.Equal(2, error.Envelope.Sequence);
        Assert.Equal("o9", error.Envelope.StreamId);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Equal(0, batch.Commits);
    }

    [Fact]
    public async Task Cancellation_passes_through_unwrapped()
    {
        var (projection, batch) = Prepare("shop_ledger");
        batch.Add("o1", Event("ItemAdded", "sku-1", 1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => projection.RunBatchAsync(batch, new CancellationToken(canceled: true)).AsTask());
        Assert.Equal(0, batch.Commits);
    }

    [Fact]
    public async Task Lost_lock_at_commit_surfaces_as_ProjectionProgressException_unwrapped()
    {
        var projection = SampleAssembly.Create("shop_ledger");
        var batch = new InMemoryBatch(Log(projection)) { LoseLockAtCommit = true };
        batch.Add("o1", Event("OrderPlaced", "o1"));

        var error = await Assert.ThrowsAsync<ProjectionProgressException>(() => projection.RunBatchAsync(batch, Ct).AsTask());

        Assert.Equal(ProjectionProgressFailure.LockLost, error.Reason);
        Assert.Equal(["placed o1", "commit"], batch.Timeline);
    }

    [Fact]
    public async Task Aggregate_creates_mutates_replaces_and_deletes_documents()
    {
        var projection = SampleAssembly.Create("cart_projection");
        var batch = new InMemoryBatch([]);
        batch.Stored["c2"] = Document("Cart", """{"Owner":"bob","Items":0}""");
        batch.Stored["c4"] = Document("Cart", """{"Owner":"dan","Items":2}""");
        var preloaded = batch.Stored["c4"];
        batch.Add("c1", Event("CartOpened", "ann"))           // no document: Create (with metadata)
            .Add("c1", Event("CartItemAdded", 2))             // Apply mutates
            .Add("c1", Event("CartItemAdded", 1))
            .Add("c1", Event("CartCheckedOut"))               // Apply returns a replacement
            .Add("c2", Event("CartOpened", "bob"))            // document exists: Apply for the same type
            .Add("c2", Event("CartAbandoned", false))         // ShouldDelete true (no items) wins over Apply
            .Add("c3", Event("CartItemAdded", 5))             // no document, no Create for the type: new Cart()
            .Add("c4", Event("CartAbandoned", false));        // ShouldDelete false: Apply runs

        await projection.RunBatchAsync(batch, Ct);

        Assert.Equal(["load", "delete c2", "commit"], batch.Timeline);
        Assert.Equal(1, batch.Commits);
        Assert.Equal(["c1", "c3", "c4"], batch.Stored.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("""{"Owner":"ann@c1","Items":3,"Reopened":0,"CheckedOut":true,"Abandoned":false}""", Json(batch.Stored["c1"]));
        Assert.Equal("""{"Owner":"","Items":5,"Reopened":0,"CheckedOut":false,"Abandoned":false}""", Json(batch.Stored["c3"]));
        Assert.Equal("""{"Owner":"dan","Items":2,"Reopened":0,"CheckedOut":false,"Abandoned":true}""", Json(batch.Stored["c4"]));
        Assert.Same(preloaded, batch.Stored["c4"]);
    }

    [Fact]
    public async Task Aggregate_applies_to_an_existing_document_for_an_event_that_also_has_Create()
    {
        var projection = SampleAssembly.Create("cart_projection");
        var batch = new InMemoryBatch([]);
        batch.Stored["c1"] = Document("Cart", """{"Owner":"eve","Items":1}""");
        batch.Add("c1", Event("CartOpened", "eve")).Add("c1", Event("CartOpened", "eve"));

        await projection.RunBatchAsync(batch, Ct);

        Assert.Equal("""{"Owner":"eve","Items":1,"Reopened":2,"CheckedOut":false,"Abandoned":false}""", Json(batch.Stored["c1"]));
    }

    [Fact]
    public async Task Aggregate_without_a_constructible_document_ignores_apply_before_create_and_create_after_create()
    {
        var projection = SampleAssembly.Create("ticket_projection");
        var batch = new InMemoryBatch([]);
        batch.Add("t1", Event("TicketVoted"))                 // no document and none can be made: ignored
            .Add("t1", Event("TicketOpened", "bug"))
            .Add("t1", Event("TicketVoted"))
            .Add("t1", Event("TicketVoted"))
            .Add("t1", Event("TicketOpened", "again"));       // Create only, document exists: ignored

        await projection.RunBatchAsync(batch, Ct);

        Assert.Equal("""{"Title":"bug","Votes":2}""", Json(batch.Stored["t1"]));
        Assert.Equal(["load", "commit"], batch.Timeline);
    }

    [Fact]
    public async Task Aggregate_method_exception_is_wrapped_and_nothing_is_committed()
    {
        var projection = SampleAssembly.Create("cart_projection");
        var batch = new InMemoryBatch([]);
        batch.Add("c1", Event("CartOpened", "ann")).Add("c1", Event("CartItemAdded", -1));

        var error = await Assert.ThrowsAsync<ProjectionHandlerException>(() => projection.RunBatchAsync(batch, Ct).AsTask());

        Assert.Equal("cart_projection", error.ProjectionName);
        Assert.Equal(2, error.Envelope.Sequence);
        Assert.IsType<ArgumentOutOfRangeException>(error.InnerException);
        Assert.Equal(0, batch.Commits);
    }

    [Fact]
    public void Registration_describes_and_creates_every_projection()
    {
        var descriptors = SampleAssembly.Descriptors;
        Assert.Equal(["cart_projection", "shop_ledger", "ticket_projection"], descriptors.Select(d => d.Name));
        Assert.Equal([ProjectionKind.Aggregate, ProjectionKind.Event, ProjectionKind.Aggregate], descriptors.Select(d => d.Kind));

        var ledger = descriptors[1];
        Assert.Equal(["OrderPlaced", "ItemAdded", "PriceChanged", "Note", "UrgentNote", "OrderShipped"], ledger.EventTypes.Select(t => t.Name));
        Assert.Null(ledger.DocumentType);
        Assert.Equal((50, 3, PoisonEventPolicy.Pause, 4), (ledger.BatchSize, ledger.MaxRetries, ledger.OnPoisonEvent, ledger.Shards));

        var cart = descriptors[0];
        Assert.Equal("Cart", cart.DocumentType?.Name);
        Assert.Equal("carts", cart.TableName);
        Assert.Equal((0, -1, PoisonEventPolicy.DeadLetter, 1), (cart.BatchSize, cart.MaxRetries, cart.OnPoisonEvent, cart.Shards));

        var first = SampleAssembly.CreateAll();
        var second = SampleAssembly.CreateAll();
        Assert.Equal(descriptors, first.Select(p => p.Descriptor));
        Assert.All(first.Zip(second), pair => Assert.NotSame(pair.First, pair.Second));
    }

    [Theory]
    [InlineData("GetMethod")]
    [InlineData("GetProperty")]
    [InlineData("Activator")]
    [InlineData("Invoke(")]
    [InlineData("System.Reflection")]
    [InlineData("MakeGenericType")]
    [InlineData("dynamic")]
    public void Generated_sources_use_no_reflection(string forbidden)
    {
        var sources = SampleAssembly.Run.Result.GeneratedSources;
        Assert.Equal(5, sources.Length);
        Assert.All(sources, source => Assert.DoesNotContain(forbidden, source.SourceText.ToString(), StringComparison.Ordinal));
    }

    private static (IGeneratedProjection Projection, InMemoryBatch Batch) Prepare(string name)
    {
        var projection = SampleAssembly.Create(name);
        return (projection, new InMemoryBatch(Log(projection)));
    }

    /// <summary>The event projection's own log: the batch records into it too, giving one timeline.</summary>
    private static List<string> Log(IGeneratedProjection projection) =>
        (List<string>)projection.GetType().GetProperty("Log")!.GetValue(projection)!;

    private static object Event(string name, params object?[] arguments) => SampleAssembly.New("Shop.Events." + name, arguments);

    private static object Document(string name, string json) =>
        JsonSerializer.Deserialize(json, SampleAssembly.Assembly.GetType("Shop.Projections." + name, throwOnError: true)!)!;

    private static string Json(object document) => JsonSerializer.Serialize(document, document.GetType());
}
