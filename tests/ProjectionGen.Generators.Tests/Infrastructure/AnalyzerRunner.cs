using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ProjectionGen.Generators.Analyzers;

namespace ProjectionGen.Generators.Tests.Infrastructure;

/// <summary>Runs ProjectionGen's analyzers over test sources with <see cref="CompilationWithAnalyzers"/>.</summary>
internal static class AnalyzerRunner
{
    /// <summary>Every ProjectionGen analyzer.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } =
        [new ProjectionShapeAnalyzer(), new ProjectionNameAnalyzer(), new ProjectionTableAnalyzer(), new ProjectionVersionAnalyzer(), new UpcasterAnalyzer(), new ProjectionRowAnalyzer()];

    /// <summary>The analyzers' diagnostics for <paramref name="sources"/>, which must otherwise compile.</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(params string[] sources)
    {
        var compilation = TestCompilation.Create(sources);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "The test source does not compile: " + string.Join("; ", errors));
        return await compilation.WithAnalyzers(Analyzers).GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);
    }
}
