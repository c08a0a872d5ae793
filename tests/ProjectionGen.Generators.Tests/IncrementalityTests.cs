using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>Re-running the generator on unchanged or unrelated edits reuses every cached step.</summary>
public sealed class IncrementalityTests
{
    private static readonly string[] TrackedSteps = [TrackingNames.Projection, TrackingNames.ProjectionSource, TrackingNames.RegisteredName, TrackingNames.Registration];

    [Fact]
    public void Unchanged_compilation_is_all_cached() =>
        AssertOnlyCachedOrUnchanged(RunTwice(_ => TestCompilation.Create(SampleSources.All)));

    [Fact]
    public void Adding_an_unrelated_file_is_all_cached() =>
        AssertOnlyCachedOrUnchanged(RunTwice(compilation => compilation.AddSyntaxTrees(
            TestCompilation.Parse("namespace Shop; public sealed class Unrelated { public int Value => 42; }", "Unrelated.cs"))));

    [Fact]
    public void Editing_an_unrelated_method_of_a_projection_is_all_cached_or_unchanged() =>
        AssertOnlyCachedOrUnchanged(RunTwice(compilation =>
            ReplaceLedger(compilation, "public void Unrelated() => Log.Clear();", "public void Unrelated() => Log.Add(\"edited\");")));

    [Fact]
    public void Editing_a_handler_signature_regenerates_that_projection()
    {
        var second = RunTwice(compilation =>
            ReplaceLedger(compilation, "public void Handle(OrderPlaced e) =>", "public void Handle(OrderPlaced e, EventMetadata metadata) =>"));

        Assert.Contains(IncrementalStepRunReason.Modified, second.Reasons(TrackingNames.Projection));
        Assert.Contains("Handle(e, envelope.Metadata);", second.Source("Shop.Projections.LedgerProjection.g.cs"));
    }

    private static Compilation ReplaceLedger(Compilation compilation, string oldText, string newText) =>
        TestCompilation.Replace(compilation, "class LedgerProjection", oldText, newText);

    private static GeneratorRun RunTwice(Func<Compilation, Compilation> edit) => GeneratorRun.Twice(SampleSources.All, edit);

    private static void AssertOnlyCachedOrUnchanged(GeneratorRun run) => run.AssertOnlyCachedOrUnchanged(TrackedSteps);
}
