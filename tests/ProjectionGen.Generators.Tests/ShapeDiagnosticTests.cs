using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>One test per diagnostic of the new shapes: its ID, its location (the <c>[|...|]</c> span) and a message that names the culprit.</summary>
public sealed class ShapeDiagnosticTests
{
    private const string Events = """
        using ProjectionGen;

        namespace Shop.Events;

        public sealed record OrderPlaced(string Customer);
        public sealed record ItemAdded(string Sku);
        public record Note(string Text);
        public sealed record UrgentNote(string Text) : Note(Text);
        public sealed class Summary { public int Count { get; set; } }
        public sealed record V1(string Text);
        public sealed record V2(string Text);
        public sealed record V3(string Text);

        [EventType("legacy_v1")]
        public sealed record RenamedV1(string Text);
        """;

    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json;
        using System.Threading.Tasks;
        using ProjectionGen;
        using Shop.Events;

        """;

    [Fact]
    public Task PGEN030_route_with_an_extra_parameter() => AssertDiagnostics("PGEN030", "'Totals.Identity(OrderPlaced, string)' cannot be used: a route takes the event and optionally EventMetadata", """
        [Projection]
        public sealed partial class Totals
        {
            public static string [|Identity|](OrderPlaced e, string other) => e.Customer;
            public static void Apply(OrderPlaced e, Summary s) => s.Count++;
        }
        """);

    [Fact]
    public Task PGEN030_route_in_an_event_projection() => AssertDiagnostics("PGEN030", "'Ledger' is an event projection", """
        [Projection]
        public sealed partial class Ledger
        {
            public static string [|Identity|](OrderPlaced e) => e.Customer;
            public void Handle(OrderPlaced e) { }
        }
        """);

    [Fact]
    public Task PGEN031_identity_returns_a_nullable_id() => AssertDiagnostics("PGEN031", "'Totals.Identity(OrderPlaced)' returns 'string?', but a document id is string, Guid, int or long, not nullable", """
        [Projection]
        public sealed partial class Totals
        {
            public static string? [|Identity|](OrderPlaced e) => e.Customer;
            public static void Apply(OrderPlaced e, Summary s) => s.Count++;
        }
        """);

    [Fact]
    public Task PGEN031_identity_returns_several_ids() => AssertDiagnostics("PGEN031", "name the method 'Identities'", """
        [Projection]
        public sealed partial class Totals
        {
            public static string[] [|Identity|](OrderPlaced e) => new[] { e.Customer };
            public static void Apply(OrderPlaced e, Summary s) => s.Count++;
        }
        """);

    [Fact]
    public Task PGEN031_identities_returns_a_sequence_of_another_type() => AssertDiagnostics("PGEN031", "returns 'IEnumerable<DateTime>'", """
        [Projection]
        public sealed partial class Totals
        {
            public static IEnumerable<DateTime> [|Identities|](OrderPlaced e) => new[] { DateTime.MinValue };
            public static void Apply(OrderPlaced e, Summary s) => s.Count++;
        }
        """);

    [Fact]
    public Task PGEN031_identity_is_async() => AssertDiagnostics("PGEN031", "returns 'Task<string>'", """
        [Projection]
        public sealed partial class Totals
        {
            public static Task<string> [|Identity|](OrderPlaced e) => Task.FromResult(e.Customer);
            public static void Apply(OrderPlaced e, Summary s) => s.Count++;
        }
        """);

    [Fact]
    public Task PGEN032_routes_return_different_id_types() =>
        AssertDiagnostics("PGEN032", "'Totals.Identities(ItemAdded)' returns 'Guid' ids, but the projection's documents have 'string' ids (from 'Totals.Identity(OrderPlaced)')", """
        [Projection]
        public sealed partial class Totals
        {
            public static string Identity(OrderPlaced e) => e.Customer;
            public static List<Guid> [|Identities|](ItemAdded e) => new();
            public static void Apply(OrderPlaced e, Summary s) => s.Count++;
            public static void Apply(ItemAdded e, Summary s) => s.Count++;
        }
        """);

    [Fact]
    public Task PGEN033_event_handled_but_never_routed() =>
        AssertDiagnostics("PGEN033", "'Totals.Apply(ItemAdded, Summary)' handles event type 'ItemAdded', but multi-stream projection 'Totals' has no route for it", """
        [Projection]
        public sealed partial class Totals
        {
            public static int Identity(OrderPlaced e) => 1;
            public static void Apply(OrderPlaced e, Summary s) => s.Count++;
            public static void [|Apply|](ItemAdded e, Summary s) => s.Count++;
            public static bool ShouldDelete(ItemAdded e) => false;
        }
        """);

    [Fact]
    public Task PGEN033_a_route_for_a_derived_type_does_not_cover_its_base() => AssertDiagnostics("PGEN033", "handles event type 'Note'", """
        [Projection]
        public sealed partial class Notes
        {
            public static string Identity(UrgentNote e) => e.Text;
            public static void Apply(UrgentNote e, Summary s) => s.Count++;
            public static void [|Apply|](Note e, Summary s) => s.Count++;
        }
        """);

    [Fact]
    public Task PGEN034_route_for_an_event_nothing_handles() => AssertDiagnostics("PGEN034", "'Totals.Identity(ItemAdded)' routes event type 'ItemAdded', but no Create, Apply or ShouldDelete method", """
        [Projection]
        public sealed partial class Totals
        {
            public static string Identity(OrderPlaced e) => e.Customer;
            public static string [|Identity|](ItemAdded e) => e.Sku;
            public static void Apply(OrderPlaced e, Summary s) => s.Count++;
        }
        """);

    [Fact]
    public Task PGEN035_sharded_multi_stream_projection() => AssertDiagnostics("PGEN035", "'Totals' is multi-stream (its documents gather events of many streams), so it cannot have Shards = 4", """
        [Projection("totals", [|Shards = 4|])]
        public sealed partial class Totals
        {
            public static string Identity(OrderPlaced e) => e.Customer;
            public static void Apply(OrderPlaced e, Summary s) => s.Count++;
        }
        """);

    [Fact]
    public Task PGEN006_two_routes_for_one_event_type() => AssertDiagnostics("PGEN006", "'Totals.Identities(OrderPlaced)' handles event type 'OrderPlaced', which 'Totals.Identity(OrderPlaced)' already handles", """
        [Projection]
        public sealed partial class Totals
        {
            public static string Identity(OrderPlaced e) => e.Customer;
            public static string[] [|Identities|](OrderPlaced e) => new[] { e.Customer };
            public static void Apply(OrderPlaced e, Summary s) => s.Count++;
        }
        """);

    [Fact]
    public Task PGEN040_instance_upcaster() => AssertDiagnostics("PGEN040", "'Upcasters.Upcast(V1)' cannot be used: it must be static", """
        [EventUpcasters]
        public sealed class Upcasters
        {
            public V2 [|Upcast|](V1 old) => new(old.Text);
        }
        """);

    [Fact]
    public Task PGEN040_raw_json_upcaster_without_a_stored_name() => AssertDiagnostics("PGEN040", "add [UpcastFrom(\"stored_name\")]", """
        [EventUpcasters]
        public static class Upcasters
        {
            public static V2 [|Upcast|](JsonElement json) => new(json.GetString()!);
        }
        """);

    [Fact]
    public Task PGEN040_stored_name_on_a_type_upcaster() => AssertDiagnostics("PGEN040", "[UpcastFrom] is for raw-JSON upcasters", """
        [EventUpcasters]
        public static class Upcasters
        {
            [UpcastFrom("v1")]
            public static V2 [|Upcast|](V1 old) => new(old.Text);
        }
        """);

    [Fact]
    public Task PGEN040_upcaster_returns_nothing() => AssertDiagnostics("PGEN040", "it must return the new event type", """
        [EventUpcasters]
        public static class Upcasters
        {
            public static void [|Upcast|](V1 old) { }
        }
        """);

    [Fact]
    public Task PGEN040_class_without_upcasters() => AssertDiagnostics("PGEN040", "the class has no upcaster method", """
        [EventUpcasters]
        public static class [|Upcasters|]
        {
            public static V2 Convert(V1 old) => new(old.Text);
        }
        """);

    [Fact]
    public Task PGEN041_two_upcasters_of_one_type() => AssertDiagnostics("PGEN041", "'More.Upcast(V1)' reads event type 'V1', which 'Upcasters.Upcast(V1)' already reads", """
        [EventUpcasters]
        public static class Upcasters
        {
            public static V2 Upcast(V1 old) => new(old.Text);
        }

        [EventUpcasters]
        public static class More
        {
            public static V3 [|Upcast|](V1 old) => new(old.Text);
        }
        """);

    [Fact]
    public Task PGEN041_two_upcasters_of_one_stored_name() => AssertDiagnostics("PGEN041", "reads the raw JSON stored as 'gone'", """
        [EventUpcasters]
        public static class Upcasters
        {
            [UpcastFrom("gone")]
            public static V2 FromGone(JsonElement json) => new("");

            [UpcastFrom("gone")]
            public static V3 [|AlsoFromGone|](JsonElement json) => new("");
        }
        """);

    [Fact]
    public Task PGEN042_upcasters_in_a_cycle() => AssertDiagnostics("PGEN042", "is part of a cycle (V", """
        [EventUpcasters]
        public static class Upcasters
        {
            public static V2 [|Upcast|](V1 old) => new(old.Text);
            public static V3 [|Upcast|](V2 old) => new(old.Text);
            public static V1 [|Upcast|](V3 old) => new(old.Text);
        }
        """);

    [Fact]
    public async Task PGEN042_names_the_whole_cycle()
    {
        var diagnostics = await AnalyzerRunner.AnalyzeAsync(Events, Usings + """
            [EventUpcasters]
            public static class Upcasters
            {
                public static V2 Upcast(V1 old) => new(old.Text);
                public static V1 Upcast(V2 old) => new(old.Text);
                public static V3 Upcast(RenamedV1 old) => new(old.Text);
            }
            """);
        Assert.Equal(
            ["Upcaster 'Upcasters.Upcast(V1)' is part of a cycle (V1 -> V2 -> V1)", "Upcaster 'Upcasters.Upcast(V2)' is part of a cycle (V2 -> V1 -> V2)"],
            diagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Split(',')[0]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public Task PGEN043_raw_json_upcaster_makes_a_type_upcaster_unreachable() =>
        AssertDiagnostics("PGEN043", "reads raw JSON stored as 'legacy_v1', which is the stored name of event type 'RenamedV1', so 'Upcasters.Upcast(RenamedV1)' is unreachable", """
        [EventUpcasters]
        public static class Upcasters
        {
            public static V2 Upcast(RenamedV1 old) => new(old.Text);

            [UpcastFrom("legacy_v1")]
            public static V2 [|FromLegacy|](JsonElement json) => new("");
        }
        """);

    [Fact]
    public Task PGEN043_raw_json_upcaster_hides_a_handled_type() =>
        AssertDiagnostics("PGEN043", "events appended as 'ItemAdded' would be read by this upcaster instead of as 'ItemAdded'", """
        [EventUpcasters]
        public static class Upcasters
        {
            [UpcastFrom("item_added")]
            public static V2 [|FromItemAdded|](JsonElement json) => new("");
        }

        [Projection]
        public sealed partial class Ledger
        {
            public void Handle(ItemAdded e) { }
        }
        """);

    [Fact]
    public Task PGEN044_projection_handles_a_type_that_is_always_upcast() =>
        AssertDiagnostics("PGEN044", "'Ledger.Handle(V1)' takes event type 'V1', but 'Upcasters.Upcast(V1)' upcasts every 'V1' to 'V2' when it is read, so the method never runs; take 'V3' instead", """
        [EventUpcasters]
        public static class Upcasters
        {
            public static V2 Upcast(V1 old) => new(old.Text);
            public static V3 Upcast(V2 old) => new(old.Text);
        }

        [Projection]
        public sealed partial class Ledger
        {
            public void [|Handle|](V1 e) { }
            public void Handle(V3 e) { }
        }
        """);

    [Fact]
    public async Task Valid_shapes_have_no_diagnostics() =>
        Assert.Empty(await AnalyzerRunner.AnalyzeAsync(ShapeSources.All));

    private static async Task AssertDiagnostics(string id, string messageFragment, string markup)
    {
        var (source, spans) = Markup.Parse(Usings + markup);
        var diagnostics = await AnalyzerRunner.AnalyzeAsync(Events, source);

        Assert.All(diagnostics, d => Assert.Equal(id, d.Id));
        Assert.Equal(spans, diagnostics.Select(d => d.Location.SourceSpan).Order());
        Assert.All(diagnostics, d => Assert.Contains(messageFragment, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
