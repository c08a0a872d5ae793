using ProjectionGen.Generators.Emit;
using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>The generated sources of representative projections, compared with Snapshots/*.verified.cs.</summary>
public sealed class SnapshotTests
{
    private static readonly GeneratorRun Run = GeneratorRun.Of(SampleSources.All);

    [Fact]
    public void Event_projection_with_sync_and_async_handlers() =>
        Snapshot.Verify("LedgerProjection", Run.Source("Shop.Projections.LedgerProjection.g.cs"));

    [Fact]
    public void Aggregate_with_create_apply_replace_and_delete() =>
        Snapshot.Verify("CartProjection", Run.Source("Shop.Projections.CartProjection.g.cs"));

    [Fact]
    public void Aggregate_whose_document_cannot_be_constructed() =>
        Snapshot.Verify("TicketProjection", Run.Source("Shop.Projections.TicketProjection.g.cs"));

    [Fact]
    public void Registration_lists_every_projection() =>
        Snapshot.Verify("GeneratedProjections", Run.Source(RegistrationEmitter.HintName));

    [Fact]
    public void Generator_reports_no_diagnostics_and_writes_one_file_per_projection_plus_registration()
    {
        Assert.Empty(Run.GeneratorDiagnostics);
        Assert.Equal(
            [
                "ProjectionGen.Generated.GeneratedJsonContracts.g.cs",
                "ProjectionGen.Generated.GeneratedProjections.g.cs",
                "Shop.Projections.CartProjection.g.cs",
                "Shop.Projections.LedgerProjection.g.cs",
                "Shop.Projections.TicketProjection.g.cs",
            ],
            Run.Result.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Projection_name_defaults_to_the_class_name_in_snake_case()
    {
        Assert.Contains("name: \"ticket_projection\",", Run.Source("Shop.Projections.TicketProjection.g.cs"));
        Assert.Equal("order_summary_projection", Analysis.ProjectionNames.ToSnakeCase("OrderSummaryProjection"));
        Assert.Equal("http_log2_projection", Analysis.ProjectionNames.ToSnakeCase("HTTPLog2Projection"));
    }

    [Fact]
    public void Nested_record_and_global_namespace_projections_compile_without_warnings()
    {
        var run = GeneratorRun.Of(SampleSources.Events, """
            using ProjectionGen;
            using Shop.Events;

            [Projection]
            public sealed partial class GlobalProjection
            {
                public void Handle(OrderPlaced e) { }
            }

            namespace Shop.Nested
            {
                public static partial class Outer
                {
                    internal partial record struct Middle
                    {
                        [Projection("nested_record")]
                        public sealed partial record Inner
                        {
                            public void Handle(ItemAdded e, EventMetadata metadata) { }
                        }
                    }
                }
            }
            """);

        Assert.Equal(
            ["GlobalProjection.g.cs", "ProjectionGen.Generated.GeneratedJsonContracts.g.cs", "ProjectionGen.Generated.GeneratedProjections.g.cs", "Shop.Nested.Outer.Middle.Inner.g.cs"],
            run.Result.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        Assert.Contains("partial record struct Middle", run.Source("Shop.Nested.Outer.Middle.Inner.g.cs"));
        Assert.Empty(run.Output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Unservable_shapes_generate_nothing()
    {
        var run = GeneratorRun.Of(SampleSources.Events, """
            using ProjectionGen;
            using Shop.Events;

            [Projection]
            public sealed class NotPartialProjection
            {
                public void Handle(OrderPlaced e) { }
            }
            """);
        Assert.Empty(run.Result.GeneratedSources);
        Assert.Empty(run.GeneratorDiagnostics);
    }
}
