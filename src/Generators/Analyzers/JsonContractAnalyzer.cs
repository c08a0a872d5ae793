using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ProjectionGen.Generators.Analysis;
using ProjectionGen.Generators.Json;

namespace ProjectionGen.Generators.Analyzers;

/// <summary>
/// Reports, as information (PGEN060), every type a projection serializes that gets no generated JSON contract and so
/// keeps the options' own resolver: custom converters, polymorphism, extension data and the other shapes listed in
/// docs/generator.md (JSON contracts). The reader is the generator's, so the two never disagree.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class JsonContractAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.JsonContractFallback);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
            ProjectionAttributes.OnProjections(start, (symbol, type, attribute) =>
            {
                var model = ProjectionInspector.Inspect(type, attribute, symbol.CancellationToken).Model;
                if (JsonContractReader.Read(type, model, symbol.CancellationToken) is not { } set)
                {
                    return;
                }

                foreach (var fallback in set.Fallbacks)
                {
                    symbol.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.JsonContractFallback,
                        ProjectionNames.Location(type, attribute, symbol.CancellationToken),
                        model!.Name,
                        fallback.Type,
                        fallback.Reason));
                }
            }));
    }
}
