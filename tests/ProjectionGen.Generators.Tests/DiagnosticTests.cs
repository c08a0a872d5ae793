using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>One test per diagnostic: its ID, its location (the <c>[|...|]</c> span) and a message that names the culprit.</summary>
public sealed class DiagnosticTests
{
    private const string Events = """
        namespace Shop.Events;

        public sealed record OrderPlaced(string OrderId);
        public sealed record ItemAdded(string Sku);
        public interface IOrderEvent;
        public sealed class Summary;
        public sealed class OtherDocument;
        """;

    private const string Usings = """
        using System.Threading;
        using System.Threading.Tasks;
        using ProjectionGen;
        using Shop.Events;

        """;

    [Fact]
    public Task PGEN001_class_is_not_partial() => AssertDiagnostics("PGEN001", "'Ledger' must be declared partial", """
        [Projection]
        public sealed class [|Ledger|]
        {
            public void Handle(OrderPlaced e) { }
        }
        """);

    [Fact]
    public Task PGEN002_containing_type_is_not_partial() => AssertDiagnostics("PGEN002", "declare 'Outer' partial", """
        public class Outer
        {
            [Projection]
            public sealed partial class [|Ledger|]
            {
                public void Handle(OrderPlaced e) { }
            }
        }
        """);

    [Fact]
    public Task PGEN002_private_nested_class() => AssertDiagnostics("PGEN002", "make it internal or public", """
        public partial class Outer
        {
            [Projection]
            private sealed partial class [|Ledger|]
            {
                public void Handle(OrderPlaced e) { }
            }
        }
        """);

    [Fact]
    public Task PGEN003_class_is_generic() => AssertDiagnostics("PGEN003", "'Ledger<T>' is generic", """
        [Projection]
        public sealed partial class [|Ledger|]<T>
        {
            public void Handle(OrderPlaced e) { }
        }
        """);

    [Fact]
    public Task PGEN004_class_is_static() => AssertDiagnostics("PGEN004", "remove the 'static' modifier", """
        [Projection]
        public static partial class [|Ledger|]
        {
            public static void Handle(OrderPlaced e) { }
        }
        """);

    [Fact]
    public Task PGEN005_handler_takes_an_unknown_parameter() =>
        AssertDiagnostics("PGEN005", "'Ledger.Handle(OrderPlaced, string)' cannot be dispatched: parameter 'note' of type 'string'", """
        [Projection]
        public sealed partial class Ledger
        {
            public void [|Handle|](OrderPlaced e, string note) { }
        }
        """);

    [Fact]
    public Task PGEN005_handler_takes_an_interface_event() => AssertDiagnostics("PGEN005", "'IOrderEvent' is not a class, record or struct", """
        [Projection]
        public sealed partial class Ledger
        {
            public void [|Handle|](IOrderEvent e) { }
        }
        """);

    [Fact]
    public Task PGEN005_handler_returns_a_value() => AssertDiagnostics("PGEN005", "must return void, Task or ValueTask, not 'int'", """
        [Projection]
        public sealed partial class Ledger
        {
            public int [|Handle|](OrderPlaced e) => 1;
        }
        """);

    [Fact]
    public Task PGEN006_two_handlers_for_one_event_type() =>
        AssertDiagnostics("PGEN006", "'Ledger.Handle(OrderPlaced, EventMetadata)' handles event type 'OrderPlaced', which 'Ledger.Handle(OrderPlaced)' already handles", """
        [Projection]
        public sealed partial class Ledger
        {
            public void Handle(OrderPlaced e) { }
            public Task [|Handle|](OrderPlaced e, EventMetadata metadata) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task PGEN007_no_handler() => AssertDiagnostics("PGEN007", "'Ledger' has no handler method", """
        [Projection]
        public sealed partial class [|Ledger|]
        {
            public void Other(OrderPlaced e) { }
        }
        """);

    [Fact]
    public Task PGEN008_invalid_explicit_name() => AssertDiagnostics("PGEN008", "Projection name 'Order-Ledger' of 'Ledger' is invalid", """
        [Projection([|"Order-Ledger"|])]
        public sealed partial class Ledger
        {
            public void Handle(OrderPlaced e) { }
        }
        """);

    [Fact]
    public Task PGEN009_duplicate_name() => AssertDiagnostics("PGEN009", "is also used by", """
        [Projection([|"ledger"|])]
        public sealed partial class Ledger
        {
            public void Handle(OrderPlaced e) { }
        }

        [Projection([|"ledger"|])]
        public sealed partial class OtherLedger
        {
            public void Handle(ItemAdded e) { }
        }
        """);

    [Fact]
    public Task PGEN010_create_returns_a_non_class() =>
        AssertDiagnostics("PGEN010", "'SummaryProjection.Create(OrderPlaced)' returns 'bool' but must return the document class", """
        [Projection]
        public sealed partial class SummaryProjection
        {
            public bool [|Create|](OrderPlaced e) => true;
        }
        """);

    [Fact]
    public Task PGEN010_should_delete_returns_a_non_bool() => AssertDiagnostics("PGEN010", "must return bool", """
        [Projection]
        public sealed partial class SummaryProjection
        {
            public Summary Create(OrderPlaced e) => new();
            public int [|ShouldDelete|](ItemAdded e) => 1;
        }
        """);

    [Fact]
    public Task PGEN010_apply_returns_a_nullable_document() => AssertDiagnostics("PGEN010", "returns 'Summary?' but must return void (to mutate the document) or a non-nullable 'Summary'", """
        [Projection]
        public sealed partial class SummaryProjection
        {
            public Summary Create(OrderPlaced e) => new();
            public Summary? [|Apply|](ItemAdded e, Summary doc) => null;
        }
        """);

    [Fact]
    public Task PGEN011_apply_uses_another_document_type() =>
        AssertDiagnostics("PGEN011", "uses document type 'OtherDocument', but the projection's document type is 'Summary' (from 'SummaryProjection.Create(OrderPlaced)')", """
        [Projection]
        public sealed partial class SummaryProjection
        {
            public Summary Create(OrderPlaced e) => new();
            public void [|Apply|](ItemAdded e, OtherDocument doc) { }
        }
        """);

    [Fact]
    public Task PGEN012_handle_mixed_with_aggregate_methods() => AssertDiagnostics("PGEN012", "split it into an event projection and an aggregate projection", """
        [Projection]
        public sealed partial class [|Mixed|]
        {
            public void Handle(OrderPlaced e) { }
            public void Apply(ItemAdded e, Summary doc) { }
        }
        """);

    [Fact]
    public Task PGEN013_no_parameterless_constructor() => AssertDiagnostics("PGEN013", "'Ledger' has no public or internal parameterless constructor", """
        [Projection]
        public sealed partial class [|Ledger|]
        {
            public Ledger(string connection) { }
            public void Handle(OrderPlaced e) { }
        }
        """);

    [Fact]
    public Task PGEN014_aggregate_with_only_should_delete() => AssertDiagnostics("PGEN014", "'Deleter' has only ShouldDelete methods", """
        [Projection]
        public sealed partial class [|Deleter|]
        {
            public bool ShouldDelete(OrderPlaced e) => true;
        }
        """);

    [Fact]
    public async Task Valid_projections_have_no_diagnostics()
    {
        var diagnostics = await AnalyzerRunner.AnalyzeAsync(SampleSources.All);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Every_diagnostic_is_an_error_in_the_catalogue_and_release_tracking()
    {
        var descriptors = AnalyzerRunner.Analyzers.SelectMany(a => a.SupportedDiagnostics).ToList();
        var unshipped = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "src", "Generators", "AnalyzerReleases.Unshipped.md"));
        Assert.Equal(25, descriptors.Select(d => d.Id).Distinct().Count());
        Assert.All(descriptors, d =>
        {
            Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Error, d.DefaultSeverity);
            Assert.Contains($"{d.Id} | ProjectionGen | Error |", unshipped);
        });
    }

    private static async Task AssertDiagnostics(string id, string messageFragment, string markup)
    {
        var (source, spans) = Markup.Parse(Usings + markup);
        var diagnostics = await AnalyzerRunner.AnalyzeAsync(Events, source);

        Assert.All(diagnostics, d => Assert.Equal(id, d.Id));
        Assert.Equal(spans, diagnostics.Select(d => d.Location.SourceSpan).Order());
        Assert.All(diagnostics, d => Assert.Contains(messageFragment, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
