using ProjectionGen.Generators.Emit;
using ProjectionGen.Generators.Tests.Infrastructure;
using ProjectionGen.Generators.Tests.Seam;

namespace ProjectionGen.Generators.Tests;

/// <summary>The generated sources of the new shapes, compared with Snapshots/*.verified.cs.</summary>
public sealed class ShapeSnapshotTests
{
    private static GeneratorRun Run => CompiledSamples.Shapes.Run;

    [Fact]
    public void Multi_stream_aggregate_with_identity_identities_metadata_and_delete() =>
        Snapshot.Verify("CustomerTotalsProjection", Run.Source("Shop.Projections.CustomerTotalsProjection.g.cs"));

    [Fact]
    public void Multi_stream_aggregate_with_guid_ids_instance_methods_and_a_base_type_route() =>
        Snapshot.Verify("AccountTotalsProjection", Run.Source("Shop.Projections.AccountTotalsProjection.g.cs"));

    [Fact]
    public void Single_stream_aggregate_over_an_upcast_type_with_live_aggregation() =>
        Snapshot.Verify("TicketBoardProjection", Run.Source("Shop.Projections.TicketBoardProjection.g.cs"));

    [Fact]
    public void Upcaster_registration_lists_type_and_raw_json_upcasters() =>
        Snapshot.Verify("GeneratedUpcasters", Run.Source(UpcasterEmitter.HintName));

    [Fact]
    public void Generator_reports_no_diagnostics_and_writes_the_upcaster_registration()
    {
        Assert.Empty(Run.GeneratorDiagnostics);
        Assert.Equal(
            [
                "ProjectionGen.Generated.GeneratedJsonContracts.g.cs",
                "ProjectionGen.Generated.GeneratedProjections.g.cs",
                "ProjectionGen.Generated.GeneratedUpcasters.g.cs",
                "Shop.Projections.AccountTotalsProjection.g.cs",
                "Shop.Projections.BucketsProjection.g.cs",
                "Shop.Projections.CustomerTotalsProjection.g.cs",
                "Shop.Projections.ReadingBandsProjection.g.cs",
                "Shop.Projections.TicketBoardProjection.g.cs",
            ],
            Run.Result.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Only_single_stream_aggregates_implement_live_aggregation()
    {
        Assert.Contains("ILiveAggregation<global::Shop.Projections.TicketBoard>", Run.Source("Shop.Projections.TicketBoardProjection.g.cs"));
        Assert.DoesNotContain("ILiveAggregation", Run.Source("Shop.Projections.CustomerTotalsProjection.g.cs"));
        Assert.DoesNotContain("ILiveAggregation", SampleAssembly.Run.Source("Shop.Projections.LedgerProjection.g.cs"));
    }

    [Fact]
    public void A_compilation_without_upcasters_gets_no_upcaster_registration() =>
        Assert.DoesNotContain(SampleAssembly.Run.Result.GeneratedSources, s => s.HintName == UpcasterEmitter.HintName);
}
