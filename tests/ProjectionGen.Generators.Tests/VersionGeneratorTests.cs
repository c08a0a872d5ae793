using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>
/// <c>[Projection(Version = N)]</c>. The descriptor carries the version (a snapshot), an invalid version is a
/// compile error (PGEN019), and two versions of one projection may share its name, table and view (docs/versions.md).
/// </summary>
public sealed class VersionGeneratorTests
{
    private const string Usings = """
        using ProjectionGen;
        using Shop.Events;

        """;

    private const string Versioned = """
        using ProjectionGen;
        using Shop.Events;

        namespace Shop.Projections;

        public sealed class Basket
        {
            public int Items { get; set; }
        }

        [Projection("basket", BatchSize = 25)]
        public sealed partial class BasketProjection
        {
            public static Basket Create(CartOpened e) => new();

            public static void Apply(CartItemAdded e, Basket basket) => basket.Items += e.Count;
        }

        [Projection("basket", Version = 2, BatchSize = 25)]
        public sealed partial class BasketV2Projection
        {
            public static Basket Create(CartOpened e) => new();

            public static void Apply(CartItemAdded e, Basket basket) => basket.Items += e.Count * 2;
        }
        """;

    [Fact]
    public void A_versioned_projection_names_its_version_in_the_descriptor_and_version_1_stays_as_it_was()
    {
        var run = GeneratorRun.Of(SampleSources.Events, Versioned);
        Assert.Empty(run.GeneratorDiagnostics);
        Snapshot.Verify("BasketV2Projection", run.Source("Shop.Projections.BasketV2Projection.g.cs"));
        Assert.Contains("tableName: null);", run.Source("Shop.Projections.BasketProjection.g.cs"), StringComparison.Ordinal);
        Assert.DoesNotContain("version:", run.Source("Shop.Projections.BasketProjection.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_versions_of_one_projection_share_its_name_table_and_view_without_a_diagnostic()
    {
        Assert.Empty(await AnalyzerRunner.AnalyzeAsync(SampleSources.Events, Versioned));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(1000)]
    public Task PGEN019_version_out_of_range(int version) => AssertDiagnostics("PGEN019", $"'basket' has Version = {version}, which is out of range: a version is 1 to 999", $$"""
        public sealed class Basket { public int Items { get; set; } }

        [Projection("basket", Version = [|{{version}}|])]
        public sealed partial class BasketProjection
        {
            public static Basket Create(CartOpened e) => new();
        }
        """);

    [Fact]
    public void The_analyzers_highest_version_is_the_runtimes() =>
        Assert.Equal(ProjectionDescriptor.MaxVersion, Analyzers.ProjectionVersionAnalyzer.MaxVersion);

    private const string EventVersioned = """
        using ProjectionGen;
        using Shop.Events;

        namespace Shop.Projections;

        [Projection("cart_ledger", Tables = new[] { "cart_ledger" })]
        public sealed partial class CartLedgerProjection
        {
            public static void Handle(OrderPlaced e, IProjectionWriter writer) => writer.Execute($"INSERT INTO {writer.Table("cart_ledger")} (id) VALUES ($1)", e.OrderId);
        }

        [Projection("cart_ledger", Version = 2, Tables = new[] { "cart_ledger" })]
        public sealed partial class CartLedgerV2Projection
        {
            public static void Handle(OrderPlaced e, IProjectionWriter writer) => writer.Execute($"INSERT INTO {writer.Table("cart_ledger")} (id) VALUES ($1)", e.OrderId);
        }
        """;

    [Fact]
    public async Task An_event_projection_that_declares_its_tables_has_versions_and_names_its_tables_in_the_descriptor()
    {
        var run = GeneratorRun.Of(SampleSources.Events, EventVersioned);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        Assert.Contains("version: 2,", run.Source("Shop.Projections.CartLedgerV2Projection.g.cs"), StringComparison.Ordinal);
        Assert.Contains("tables: new string[] { \"cart_ledger\" });", run.Source("Shop.Projections.CartLedgerV2Projection.g.cs"), StringComparison.Ordinal);
        Assert.Contains("version: 1,", run.Source("Shop.Projections.CartLedgerProjection.g.cs"), StringComparison.Ordinal);
        Assert.Empty(await AnalyzerRunner.AnalyzeAsync(SampleSources.Events, EventVersioned));
    }

    [Fact]
    public Task PGEN019_version_on_an_event_projection_without_tables() => AssertDiagnostics("PGEN019", "'ledger' has Version = 2, which needs the tables an event projection writes", """
        [Projection("ledger", Version = [|2|])]
        public sealed partial class LedgerProjection
        {
            public void Handle(OrderPlaced e) { }
        }
        """);

    [Fact]
    public Task PGEN015_an_aggregate_projection_whose_view_would_be_a_reserved_table() => AssertDiagnostics("PGEN015", "reserved as a view name", """
        public sealed class Basket { public int Items { get; set; } }

        [Projection([|"nodes"|])]
        public sealed partial class NodesProjection
        {
            public static Basket Create(CartOpened e) => new();
        }
        """);

    [Fact]
    public Task PGEN016_a_projection_named_like_another_projections_table() => AssertDiagnostics("PGEN016", "uses too", """
        public sealed class Basket { public int Items { get; set; } }

        [Projection([|"baskets"|])]
        public sealed partial class BasketsProjection
        {
            public static Basket Create(CartOpened e) => new();
        }

        [Projection("other", TableName = [|"baskets"|])]
        public sealed partial class OtherProjection
        {
            public static Basket Create(CartOpened e) => new();
        }
        """);

    [Theory]
    [InlineData("Cart-Ledger", "invalid")]
    [InlineData("a_table_name_that_is_far_too_long_for_its_version_suffixes", "invalid")]
    [InlineData("progress", "reserved")]
    public Task PGEN020_an_invalid_or_reserved_declared_table(string table, string problem) => AssertDiagnostics("PGEN020", $"declares the table '{table}', which is {problem}", $$"""
        [Projection("ledger", Tables = [|new[] { "{{table}}" }|])]
        public sealed partial class LedgerProjection
        {
            public void Handle(OrderPlaced e) { }
        }
        """);

    [Fact]
    public Task PGEN020_a_table_declared_twice() => AssertDiagnostics("PGEN020", "which is declared twice", """
        [Projection("ledger", Tables = [|new[] { "ledger_rows", "ledger_rows" }|])]
        public sealed partial class LedgerProjection
        {
            public void Handle(OrderPlaced e) { }
        }
        """);

    [Fact]
    public Task PGEN020_tables_on_an_aggregate_projection() => AssertDiagnostics("PGEN020", "declared by an aggregate projection", """
        public sealed class Basket { public int Items { get; set; } }

        [Projection("basket", Tables = [|new[] { "basket_rows" }|])]
        public sealed partial class BasketProjection
        {
            public static Basket Create(CartOpened e) => new();
        }
        """);

    [Fact]
    public Task PGEN020_a_declared_table_that_is_another_projections() => AssertDiagnostics("PGEN020", "projection 'basket' owns 'doc_basket' too", """
        public sealed class Basket { public int Items { get; set; } }

        [Projection("basket")]
        public sealed partial class BasketProjection
        {
            public static Basket Create(CartOpened e) => new();
        }

        [Projection("ledger", Tables = [|new[] { "doc_basket" }|])]
        public sealed partial class LedgerProjection
        {
            public void Handle(OrderPlaced e) { }
        }
        """);

    [Fact]
    public Task PGEN020_two_event_projections_whose_copies_would_collide() => AssertDiagnostics("PGEN020", "owns 'rows_v1' too", """
        [Projection("ledger", Tables = [|new[] { "rows" }|])]
        public sealed partial class LedgerProjection
        {
            public void Handle(OrderPlaced e) { }
        }

        [Projection("audit", Tables = [|new[] { "rows_v1" }|])]
        public sealed partial class AuditProjection
        {
            public void Handle(OrderShipped e) { }
        }
        """);

    private static async Task AssertDiagnostics(string id, string messageFragment, string markup)
    {
        var (source, spans) = Markup.Parse(Usings + markup);
        var diagnostics = await AnalyzerRunner.AnalyzeAsync(SampleSources.Events, source);

        Assert.All(diagnostics, d => Assert.Equal(id, d.Id));
        Assert.Equal(spans, diagnostics.Select(d => d.Location.SourceSpan).Order());
        Assert.All(diagnostics, d => Assert.Contains(messageFragment, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
