using Microsoft.CodeAnalysis;

namespace ProjectionGen.Generators.Analyzers;

/// <summary>Finds the <c>[Projection]</c> attribute on a type.</summary>
internal static class ProjectionAttributes
{
    /// <summary>The attribute class, or null when the compilation does not reference the runtime.</summary>
    public static INamedTypeSymbol? Resolve(Compilation compilation) =>
        compilation.GetTypeByMetadataName(ProjectionGenerator.AttributeMetadataName);

    /// <summary>The <c>[Projection]</c> application on <paramref name="type"/>, or null.</summary>
    public static AttributeData? Find(INamedTypeSymbol type, INamedTypeSymbol attributeClass)
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
