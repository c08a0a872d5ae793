using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProjectionGen.Generators.Analyzers;

/// <summary>Finds <c>[Projection]</c> classes for the analyzers.</summary>
internal static class ProjectionAttributes
{
    /// <summary>
    /// Runs <paramref name="action"/> on each <c>[Projection]</c> class of the compilation that <paramref name="start"/>
    /// begins; nothing when the compilation does not reference the runtime.
    /// </summary>
    public static void OnProjections(
        CompilationStartAnalysisContext start,
        Action<SymbolAnalysisContext, INamedTypeSymbol, AttributeData> action)
    {
        var attributeClass = start.Compilation.GetTypeByMetadataName(ProjectionGenerator.AttributeMetadataName);
        if (attributeClass is null)
        {
            return;
        }

        start.RegisterSymbolAction(
            symbol =>
            {
                var type = (INamedTypeSymbol)symbol.Symbol;
                if (Find(type, attributeClass) is { } attribute)
                {
                    action(symbol, type, attribute);
                }
            },
            SymbolKind.NamedType);
    }

    private static AttributeData? Find(INamedTypeSymbol type, INamedTypeSymbol attributeClass)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeClass))
            {
                return attribute;
            }
        }

        return null;
    }
}
