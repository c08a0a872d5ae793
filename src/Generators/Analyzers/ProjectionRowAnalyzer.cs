using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ProjectionGen.Generators.Analysis;

namespace ProjectionGen.Generators.Analyzers;

/// <summary>
/// Reports the problems of <c>[ProjectionRow]</c> types, found by the same <see cref="RowInspector"/> the generator uses:
/// not partial (PGEN050), an invalid or reserved table (PGEN051), a property of an unsupported type (PGEN052) and
/// anything else that keeps the generator from implementing <c>IProjectionRow</c> (PGEN053).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ProjectionRowAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.RowNotPartial,
        DiagnosticDescriptors.InvalidRowTable,
        DiagnosticDescriptors.UnsupportedRowColumn,
        DiagnosticDescriptors.UnusableRow);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var rowAttribute = start.Compilation.GetTypeByMetadataName(RowInspector.AttributeMetadataName);
            if (rowAttribute is null)
            {
                return;
            }

            start.RegisterSymbolAction(
                symbol =>
                {
                    var type = (INamedTypeSymbol)symbol.Symbol;
                    var attribute = type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, rowAttribute));
                    if (attribute is null)
                    {
                        return;
                    }

                    foreach (var problem in RowInspector.Inspect(type, attribute, symbol.CancellationToken).Problems)
                    {
                        symbol.ReportDiagnostic(problem);
                    }
                },
                SymbolKind.NamedType);
        });
    }
}
