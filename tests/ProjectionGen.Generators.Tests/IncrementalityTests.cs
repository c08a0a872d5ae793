using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>Re-running the generator on unchanged or unrelated edits reuses every cached step.</summary>
public sealed class IncrementalityTests
{
    private static readonly string[] TrackedSteps = [TrackingNames.Projection, TrackingNames.RegisteredName, TrackingNames.Registration];

    [Fact]
    public void Unchanged_compilation_is_all_cached()
    {
        var first = GeneratorRun.Of(SampleSources.All);
        var second = GeneratorRun.Over(first.Driver, TestCompilation.Create(SampleSources.All));

        AssertOnlyCachedOrUnchanged(second);
    }

    [Fact]
    public void Adding_an_unrelated_file_is_all_cached()
    {
        var compilation = TestCompilation.Create(SampleSources.All);
        var first = GeneratorRun.Over(GeneratorRun.CreateDriver(), compilation);
        var edited = compilation.AddSyntaxTrees(TestCompilation.Parse("namespace Shop; public sealed class Unrelated { public int Value => 42; }", "Unrelated.cs"));

        AssertOnlyCachedOrUnchanged(GeneratorRun.Over(first.Driver, edited));
    }

    [Fact]
    public void Editing_an_unrelated_method_of_a_projection_is_all_cached_or_unchanged()
    {
        var compilation = TestCompilation.Create(SampleSources.All);
        var first = GeneratorRun.Over(GeneratorRun.CreateDriver(), compilation);
        var edited = ReplaceLedger(compilation, "public void Unrelated() => Log.Clear();", "public void Unrelated() => Log.Add(\"edited\");");

        AssertOnlyCachedOrUnchanged(GeneratorRun.Over(first.Driver, edited));
    }

    [Fact]
    public void Editing_a_handler_signature_regenerates_that_projection()
    {
        var compilation = TestCompilation.Create(SampleSources.All);
        var first = GeneratorRun.Over(GeneratorRun.CreateDriver(), compilation);
        var edited = ReplaceLedger(compilation, "public void Handle(OrderPlaced e) =>", "public void Handle(OrderPlaced e, EventMetadata metadata) =>");

        var second = GeneratorRun.Over(first.Driver, edited);
        var reasons = Reasons(second, TrackingNames.Projection);
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
        Assert.Contains("Handle(e, envelope.Metadata);", second.Source("Shop.Projections.LedgerProjection.g.cs"));
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
