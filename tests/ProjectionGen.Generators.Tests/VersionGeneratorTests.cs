using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>
/// Issue 16: <c>[Projection(Version = N)]</c>. The descriptor carries the version (a snapshot), an invalid version is a
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

    [Fact]
    public Task PGEN019_version_on_an_event_projection() => AssertDiagnostics("PGEN019", "'ledger' has Version = 2, which is only for aggregate projections", """
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

    private static async Task AssertDiagnostics(string id, string messageFragment, string markup)
    {
        var (source, spans) = Markup.Parse(Usings + markup);
        var diagnostics = await AnalyzerRunner.AnalyzeAsync(SampleSources.Events, source);

        Assert.All(diagnostics, d => Assert.Equal(id, d.Id));
        Assert.Equal(spans, diagnostics.Select(d => d.Location.SourceSpan).Order());
        Assert.All(diagnostics, d => Assert.Contains(messageFragment, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
