using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Analysis;

/// <summary>
/// Inspects a <c>[ProjectionRow("table")]</c> type for both consumers: the generator implements
/// <c>IProjectionRow&lt;TRow&gt;</c> from the model, the analyzer reports the problems (PGEN050 to PGEN053). The columns
/// are the type's own public instance properties with a getter, in declaration order.
/// </summary>
internal static class RowInspector
{
    /// <summary>The metadata name of the row marker.</summary>
    public const string AttributeMetadataName = "ProjectionGen.ProjectionRowAttribute";

    /// <summary>The supported column types, as listed in messages.</summary>
    public const string SupportedTypes = "short, int, long, bool, string, decimal, double, float, Guid, DateTime, DateTimeOffset, DateOnly, byte[] or their nullable forms";

    /// <summary>Inspects <paramref name="type"/>, which carries <paramref name="attribute"/>.</summary>
    public static RowInspection Inspect(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        var problems = new List<Diagnostic>();
        var location = SignatureChecks.LocationOf(type);
        var display = type.ToDisplayString(TypeFacts.MessageFormat);
        if (!IsPartial(type, cancellationToken))
        {
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.RowNotPartial, location, display));
        }

        if (type.IsGenericType)
        {
            problems.Add(Unusable(location, display, "it is generic; the generated IProjectionRow implementation names one closed type, so remove the type parameters"));
        }

        if (type.IsStatic || type.IsAbstract)
        {
            problems.Add(Unusable(location, display, $"it is {(type.IsStatic ? "static" : "abstract")}; rows are instances of a concrete type"));
        }

        for (var container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            var name = container.ToDisplayString(TypeFacts.MessageFormat);
            if (container.IsGenericType || container.TypeKind is not (TypeKind.Class or TypeKind.Struct) || !IsPartial(container, cancellationToken))
            {
                problems.Add(Unusable(location, display, $"it is nested in '{name}', which is not a non-generic partial class, record or struct; declare '{name}' partial or move the row type to the top level"));
            }
        }

        var table = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        if (table is null || !DocumentTableNames.IsValid(table))
        {
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidRowTable, TableLocation(type, attribute, cancellationToken), table ?? "null", display,
                "it must be 1 to 63 lowercase letters, digits and underscores, starting with a letter or underscore"));
        }
        else if (DocumentTableNames.Reserved.Contains(table))
        {
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidRowTable, TableLocation(type, attribute, cancellationToken), table, display,
                "it is one of ProjectionGen's own tables"));
        }

        var columns = new List<RowColumnModel>();
        var names = new HashSet<string>(System.StringComparer.Ordinal);
        var candidates = 0;
        foreach (var property in type.GetMembers().OfType<IPropertySymbol>())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (property.IsStatic || property.IsIndexer || property.GetMethod is null || property.DeclaredAccessibility != Accessibility.Public)
            {
                continue;
            }

            candidates++;
            var propertyLocation = property.Locations.FirstOrDefault() ?? location;
            if (!IsSupported(property.Type))
            {
                problems.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedRowColumn, propertyLocation, property.Name, display,
                    property.Type.ToDisplayString(TypeFacts.MessageFormat), SupportedTypes));
                continue;
            }

            var column = ExplicitColumn(property) ?? ProjectionNames.ToSnakeCase(property.Name);
            if (!DocumentTableNames.IsValid(column))
            {
                problems.Add(Unusable(propertyLocation, display, $"the column name '{column}' of property '{property.Name}' must be 1 to 63 lowercase letters, digits and underscores, starting with a letter or underscore; rename it with [ProjectionColumn(\"name\")]"));
                continue;
            }

            if (!names.Add(column))
            {
                problems.Add(Unusable(propertyLocation, display, $"two properties map to the column '{column}'; rename one with [ProjectionColumn(\"name\")]"));
                continue;
            }

            columns.Add(new RowColumnModel(column, TypeFacts.EscapedName(property)));
        }

        if (candidates == 0)
        {
            problems.Add(Unusable(location, display, "it has no public instance property with a getter, so a row would have no column"));
        }

        if (problems.Count > 0)
        {
            return new RowInspection(null, problems.ToImmutableArray());
        }

        var containing = new List<string>();
        for (var container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            containing.Insert(0, $"partial {Keyword(container)} {TypeFacts.EscapedName(container)}");
        }

        var fullName = type.ToDisplayString(TypeFacts.QualifiedFormat);
        var model = new RowModel(
            HintName: fullName.Replace("global::", "") + ".ProjectionRow.g.cs",
            Namespace: type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString(TypeFacts.NamespaceFormat) : "",
            ContainingTypes: new EquatableArray<string>(containing),
            TypeKeyword: Keyword(type),
            ClassName: TypeFacts.EscapedName(type),
            FullyQualifiedName: fullName,
            Table: table!,
            Columns: new EquatableArray<RowColumnModel>(columns));
        return new RowInspection(model, ImmutableArray<Diagnostic>.Empty);
    }

    /// <summary>Whether a property of type <paramref name="type"/> can be a column.</summary>
    public static bool IsSupported(ITypeSymbol type)
    {
        if (type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte })
        {
            return true;
        }

        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        return type.SpecialType is SpecialType.System_Int16 or SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Boolean
                   or SpecialType.System_String or SpecialType.System_Decimal or SpecialType.System_Double or SpecialType.System_Single
                   or SpecialType.System_DateTime
               || TypeFacts.Is(type, "System", "Guid") || TypeFacts.Is(type, "System", "DateTimeOffset") || TypeFacts.Is(type, "System", "DateOnly");
    }

    private static string? ExplicitColumn(IPropertySymbol property)
    {
        foreach (var attribute in property.GetAttributes())
        {
            if (attribute.AttributeClass is { } attributeClass && TypeFacts.Is(attributeClass, "ProjectionGen", "ProjectionColumnAttribute"))
            {
                return attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
            }
        }

        return null;
    }

    private static Location TableLocation(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList.Arguments.Count: > 0 } syntax
            ? syntax.ArgumentList.Arguments[0].GetLocation()
            : SignatureChecks.LocationOf(type);

    private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.Any(r =>
            r.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
            && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static string Keyword(INamedTypeSymbol type) => (type.IsRecord, type.TypeKind) switch
    {
        (true, TypeKind.Struct) => "record struct",
        (true, _) => "record",
        (false, TypeKind.Struct) => "struct",
        _ => "class",
    };

    private static Diagnostic Unusable(Location location, string display, string reason) =>
        Diagnostic.Create(DiagnosticDescriptors.UnusableRow, location, display, reason);
}
