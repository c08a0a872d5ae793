using ProjectionGen.Documents;
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
    public Task PGEN010_create_returns_a_task_of_the_document() =>
        AssertDiagnostics("PGEN010", "'SummaryProjection.Create(OrderPlaced)' returns 'Task<Summary>' but must return the document class itself", """
        [Projection]
        public sealed partial class SummaryProjection
        {
            public Task<Summary> [|Create|](OrderPlaced e) => Task.FromResult(new Summary());
            public void Apply(ItemAdded e, Summary doc) { }
        }
        """);

    [Fact]
    public Task PGEN010_only_create_returns_a_task_of_the_document() =>
        AssertDiagnostics("PGEN010", "returns 'Task<Summary>' but must return the document class itself", """
        [Projection]
        public sealed partial class SummaryProjection
        {
            public async Task<Summary> [|Create|](OrderPlaced e)
            {
                await Task.Yield();
                return new Summary();
            }
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

    [Theory]
    [InlineData("events")]
    [InlineData("events_seq")]
    [InlineData("streams")]
    [InlineData("progress")]
    [InlineData("dead_letters")]
    [InlineData("dead_letters_id_seq")]
    [InlineData("schema_version")]
    [InlineData("nodes")]
    [InlineData("projection_history")]
    public Task PGEN015_document_table_is_one_of_ProjectionGens_own(string table) =>
        AssertDiagnostics("PGEN015", $"Document table '{table}' of 'SummaryProjection' is reserved", $$"""
        [Projection(TableName = [|"{{table}}"|])]
        public sealed partial class SummaryProjection
        {
            public Summary Create(OrderPlaced e) => new();
        }
        """);

    [Fact]
    public Task PGEN015_document_table_is_not_a_postgres_identifier() =>
        AssertDiagnostics("PGEN015", "Document table 'Summaries' of 'SummaryProjection' is invalid", """
        [Projection(BatchSize = 10, TableName = [|"Summaries"|])]
        public sealed partial class SummaryProjection
        {
            public Summary Create(OrderPlaced e) => new();
        }
        """);

    [Fact]
    public Task PGEN016_two_aggregates_share_a_document_table() =>
        AssertDiagnostics("PGEN016", "keeps its documents in table 'summaries', which projection '", """
        [Projection(TableName = [|"summaries"|])]
        public sealed partial class SummaryProjection
        {
            public Summary Create(OrderPlaced e) => new();
        }

        [Projection(TableName = [|"summaries"|])]
        public sealed partial class OtherSummaryProjection
        {
            public Summary Create(ItemAdded e) => new();
        }
        """);

    [Fact]
    public Task PGEN016_document_table_is_another_aggregates_default_table() =>
        AssertDiagnostics("PGEN016", "keeps its documents in table 'doc_summary', which projection '", """
        [Projection([|"summary"|])]
        public sealed partial class SummaryProjection
        {
            public Summary Create(OrderPlaced e) => new();
        }

        [Projection(TableName = [|"doc_summary"|])]
        public sealed partial class OtherSummaryProjection
        {
            public Summary Create(ItemAdded e) => new();
        }

        // An event projection keeps no documents: its name or TableName takes no table.
        [Projection("doc_summary_events", TableName = "doc_summary")]
        public sealed partial class Ledger
        {
            public void Handle(OrderPlaced e) { }
        }
        """);

    [Fact]
    public Task PGEN017_async_void_handler() =>
        AssertDiagnostics("PGEN017", "Method 'Ledger.Handle(OrderPlaced)' is 'async void'", """
        [Projection]
        public sealed partial class Ledger
        {
            public async void [|Handle|](OrderPlaced e) => await Task.Yield();
        }
        """);

    [Fact]
    public Task PGEN017_async_void_apply() =>
        AssertDiagnostics("PGEN017", "Method 'SummaryProjection.Apply(ItemAdded, Summary)' is 'async void'", """
        [Projection]
        public sealed partial class SummaryProjection
        {
            public static Summary Create(OrderPlaced e) => new();
            public static async void [|Apply|](ItemAdded e, Summary doc) => await Task.Yield();
        }
        """);

    [Fact]
    public Task PGEN018_handler_for_an_abstract_event_type() =>
        AssertDiagnostics("PGEN018", "'Ledger.Handle(ShopEvent)' handles 'ShopEvent', but a method receives only the events stored as exactly its type: 'ShopEvent' is abstract", """
        public abstract record ShopEvent;
        public sealed record ShopOpened : ShopEvent;

        [Projection]
        public sealed partial class Ledger
        {
            public void [|Handle|](ShopEvent e) { }
        }
        """);

    [Fact]
    public Task PGEN018_handler_for_a_base_type_with_an_unhandled_derived_type() =>
        AssertDiagnostics("PGEN018", "events of 'QuietNote', which derives from it, are stored under their own type name and never reach it", """
        public record Note(string Text);
        public sealed record UrgentNote(string Text) : Note(Text);
        public sealed record QuietNote(string Text) : Note(Text);
        public abstract record SpecialNote(string Text) : Note(Text);

        [Projection]
        public sealed partial class Ledger
        {
            public void [|Handle|](Note e) { }
            public void Handle(UrgentNote e) => Handle((Note)e);
        }
        """);

    [Fact]
    public Task PGEN018_apply_for_a_base_type_whose_derived_type_has_only_create() =>
        AssertDiagnostics("PGEN018", "'SummaryProjection.Apply(Note, Summary)' handles 'Note', but a method receives only the events stored as exactly its type: events of 'UrgentNote'", """
        public record Note(string Text);
        public sealed record UrgentNote(string Text) : Note(Text);

        [Projection]
        public sealed partial class SummaryProjection
        {
            public static Summary Create(UrgentNote e) => new();
            public static void [|Apply|](Note e, Summary doc) { }
        }
        """);

    [Fact]
    public async Task PGEN018_derived_type_in_the_event_types_own_assembly()
    {
        var events = TestCompilation.Create("""
            namespace Contracts;

            public record Note(string Text);
            public sealed record QuietNote(string Text) : Note(Text);
            """);
        using var image = new MemoryStream();
        Assert.True(events.Emit(image, cancellationToken: TestContext.Current.CancellationToken).Success);
        var (source, spans) = Markup.Parse("""
            using ProjectionGen;
            using Contracts;

            [Projection]
            public sealed partial class Ledger
            {
                public void [|Handle|](Note e) { }
            }
            """);
        var compilation = TestCompilation.Create(source).AddReferences(Microsoft.CodeAnalysis.MetadataReference.CreateFromImage(image.ToArray()));

        var diagnostics = await Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzerExtensions.WithAnalyzers(compilation, AnalyzerRunner.Analyzers).GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(("PGEN018", spans[0]), (diagnostic.Id, diagnostic.Location.SourceSpan));
        Assert.Contains("events of 'QuietNote'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

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
        Assert.Equal(35, descriptors.Select(d => d.Id).Distinct().Count());
        Assert.All(descriptors, d =>
        {
            Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Error, d.DefaultSeverity);
            Assert.Contains($"{d.Id} | ProjectionGen | Error |", unshipped);
        });
    }

    [Fact]
    public void Reserved_document_tables_are_the_runtimes()
    {
        Assert.Equal(ProjectionGen.Documents.DocumentTableNames.Reserved, Analysis.DocumentTableNames.Reserved);
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
