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

    /// <summary>The text of the generated file named <paramref name="hintName"/>.</summary>
    public string Source(string hintName) =>
        Result.GeneratedSources.SingleOrDefault(s => s.HintName == hintName).SourceText?.ToString()
        ?? throw new InvalidOperationException(
            $"No generated file '{hintName}'; generated: {string.Join(", ", Result.GeneratedSources.Select(s => s.HintName))}");
}
