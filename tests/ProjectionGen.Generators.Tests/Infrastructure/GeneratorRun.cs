using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ProjectionGen.Generators.Tests.Infrastructure;

/// <summary>One run of <see cref="ProjectionGenerator"/> over test sources, through a <see cref="CSharpGeneratorDriver"/>.</summary>
internal sealed class GeneratorRun
{
    private GeneratorRun(GeneratorDriver driver, Compilation output, ImmutableArray<Diagnostic> diagnostics)
    {
        Driver = driver;
        Output = output;
        GeneratorDiagnostics = diagnostics;
        Result = driver.GetRunResult().Results.Single();
    }

    /// <summary>The driver after the run, for re-running on an edited compilation.</summary>
    public GeneratorDriver Driver { get; }

    /// <summary>The input compilation plus the generated sources.</summary>
    public Compilation Output { get; }

    /// <summary>Diagnostics the generator reported (it should report none).</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics { get; }

    /// <summary>The generator's result: sources and tracked steps.</summary>
    public GeneratorRunResult Result { get; }

    /// <summary>A driver with step tracking on, as the incrementality tests need.</summary>
    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new ProjectionGenerator().AsSourceGenerator()],
            parseOptions: TestCompilation.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator over <paramref name="sources"/>.</summary>
    public static GeneratorRun Of(params string[] sources) => Over(CreateDriver(), TestCompilation.Create(sources));

    /// <summary>Runs <paramref name="driver"/> over <paramref name="compilation"/>.</summary>
    public static GeneratorRun Over(GeneratorDriver driver, Compilation compilation)
    {
        var next = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return new GeneratorRun(next, output, diagnostics);
    }

    /// <summary>
    /// Runs the generator over <paramref name="sources"/>, then again with the same driver over <paramref name="edit"/>'s
    /// result: the second run's step reasons show what the generator's cache kept.
    /// </summary>
    public static GeneratorRun Twice(string[] sources, Func<Compilation, Compilation> edit)
    {
        var compilation = TestCompilation.Create(sources);
        var first = Over(CreateDriver(), compilation);
        return Over(first.Driver, edit(compilation));
    }

    /// <summary>Why each output of the tracked step <paramref name="step"/> ran (cached, unchanged, modified, ...).</summary>
    public List<IncrementalStepRunReason> Reasons(string step) =>
        Result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();

    /// <summary>Asserts that every output of each of <paramref name="steps"/> came from the cache or was unchanged.</summary>
    public void AssertOnlyCachedOrUnchanged(IEnumerable<string> steps)
    {
        foreach (var step in steps)
        {
            var reasons = Reasons(step);
            Xunit.Assert.NotEmpty(reasons);
            Xunit.Assert.All(reasons, reason => Xunit.Assert.True(
                reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"Step '{step}' ran with reason {reason}."));
        }
    }

    /// <summary>The text of the generated file named <paramref name="hintName"/>.</summary>
    public string Source(string hintName) =>
        Result.GeneratedSources.SingleOrDefault(s => s.HintName == hintName).SourceText?.ToString()
        ?? throw new InvalidOperationException(
            $"No generated file '{hintName}'; generated: {string.Join(", ", Result.GeneratedSources.Select(s => s.HintName))}");
}
