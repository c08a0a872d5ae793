using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Json;
using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>
/// The generated JSON contracts file, compared with Snapshots/*.verified.cs, and the incrementality of its pipeline
/// steps (docs/generator.md, JSON contracts).
/// </summary>
public sealed class JsonContractSnapshotTests
{
    private static readonly string[] TrackedSteps = [TrackingNames.JsonContracts, TrackingNames.UpcasterJsonContracts, TrackingNames.JsonContractRegistration];

    [Fact]
    public void Contracts_of_the_test_projections() =>
        Snapshot.Verify("GeneratedJsonContracts", GeneratorRun.Of(SampleSources.All).Source(JsonContractEmitter.HintName));

    [Fact]
    public void Contracts_of_every_supported_shape() =>
        Snapshot.Verify("GeneratedJsonContractsShapes", GeneratorRun.Of(JsonContractSources.Shapes).Source(JsonContractEmitter.HintName));

    [Fact]
    public void Contracts_include_the_old_types_that_upcasters_read() =>
        Assert.Contains("typeof(global::Shop.Events.TicketFiledV1)", GeneratorRun.Of(ShapeSources.All).Source(JsonContractEmitter.HintName), StringComparison.Ordinal);

    [Fact]
    public void Unchanged_compilation_is_all_cached() =>
        AssertOnlyCachedOrUnchanged(RunTwice(_ => TestCompilation.Create(ShapeSources.All)));

    [Fact]
    public void Editing_a_method_body_of_a_projection_leaves_its_contracts_unchanged() =>
        AssertOnlyCachedOrUnchanged(RunTwice(compilation => TestCompilation.Replace(
            compilation, "class TicketBoardProjection", "Filed = 1 }", "Filed = 2 }")));

    [Fact]
    public void Adding_a_property_to_an_event_regenerates_the_contracts()
    {
        var second = RunTwice(compilation => TestCompilation.Replace(
            compilation, "record TicketFiled(", "int Priority, string Queue);", "int Priority, string Queue) { public int Extra { get; set; } }"));

        Assert.Contains(IncrementalStepRunReason.Modified, second.Reasons(TrackingNames.JsonContracts));
        Assert.Contains(IncrementalStepRunReason.Modified, second.Reasons(TrackingNames.JsonContractRegistration));
        Assert.Contains("PropertyName = \"Extra\"", second.Source(JsonContractEmitter.HintName), StringComparison.Ordinal);
    }

    private static GeneratorRun RunTwice(Func<Compilation, Compilation> edit) => GeneratorRun.Twice(ShapeSources.All, edit);

    private static void AssertOnlyCachedOrUnchanged(GeneratorRun run) => run.AssertOnlyCachedOrUnchanged(TrackedSteps);
}
