using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>Re-running the generator on unchanged or unrelated edits reuses every cached step.</summary>
public sealed class IncrementalityTests
{
    private static readonly string[] TrackedSteps = [TrackingNames.Projection, TrackingNames.RegisteredName, TrackingNames.Registration];

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

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second, TrackingNames.Projection));
        Assert.Contains("Handle(e, envelope.Metadata);", second.Source("Shop.Projections.LedgerProjection.g.cs"));
    }

    /// <summary>Runs the generator over the samples, then again with the same driver over <paramref name="edit"/>'s result.</summary>
    private static GeneratorRun RunTwice(Func<Compilation, Compilation> edit)
    {
        var compilation = TestCompilation.Create(SampleSources.All);
        var first = GeneratorRun.Over(GeneratorRun.CreateDriver(), compilation);
        return GeneratorRun.Over(first.Driver, edit(compilation));
    }

    private static Compilation ReplaceLedger(Compilation compilation, string oldText, string newText)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.ToString().Contains("class LedgerProjection"));
        Assert.Contains(oldText, tree.ToString());
        var edited = TestCompilation.Parse(tree.ToString().Replace(oldText, newText), tree.FilePath);
        return compilation.ReplaceSyntaxTree(tree, edited);
    }

    private static void AssertOnlyCachedOrUnchanged(GeneratorRun run)
    {
        foreach (var step in TrackedSteps)
        {
            var reasons = Reasons(run, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason => Assert.True(
                reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"Step '{step}' ran with reason {reason}."));
        }
    }

    private static List<IncrementalStepRunReason> Reasons(GeneratorRun run, string step) =>
        run.Result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
}
