using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ProjectionGen.Generators.Analysis;

namespace ProjectionGen.Generators.Analyzers;

/// <summary>
/// Checks document tables: an explicit <c>TableName</c> must be a valid identifier and not one of ProjectionGen's own
/// tables (PGEN015), and no two aggregate projections of the compilation may share a document table (PGEN016), because
/// a rebuild deletes every row of it. The daemon repeats both checks at start for projections from anywhere.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ProjectionTableAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.InvalidTableName, DiagnosticDescriptors.DuplicateTableName, DiagnosticDescriptors.InvalidDeclaredTable);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var tables = new ConcurrentBag<(string Table, string Projection, string Type, Location Location)>();
            var declared = new ConcurrentBag<(string Relation, string Table, string Projection, Location Location)>();
            ProjectionAttributes.OnProjections(start, (symbol, type, attribute) =>
            {
                var display = type.ToDisplayString(TypeFacts.MessageFormat);
                CheckDeclaredTables(symbol, type, attribute, declared);
                var explicitTable = DocumentTableNames.Explicit(attribute);
                var location = DocumentTableNames.Location(type, attribute, symbol.CancellationToken);
                if (explicitTable is not null)
                {
                    var problem = !DocumentTableNames.IsValid(explicitTable)
                        ? "invalid: use 1 to 63 lower-case letters, digits and underscores, starting with a letter or underscore"
                        : DocumentTableNames.Reserved.Contains(explicitTable)
                            ? "reserved: it is one of ProjectionGen's own tables, and a rebuild deletes every row of a projection's document table"
                            : null;
                    if (problem is not null)
                    {
                        symbol.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidTableName, location, explicitTable, display, problem));
                        return;
                    }
                }

                if (KeepsDocuments(type))
                {
                    // An aggregate projection also owns a view named after it (docs/versions.md).
                    var name = ProjectionNames.Resolve(type, attribute);
                    if (DocumentTableNames.Reserved.Contains(name))
                    {
                        symbol.ReportDiagnostic(Diagnostic.Create(
                            DiagnosticDescriptors.InvalidTableName, location, name, display, "reserved as a view name: an aggregate projection's view is named after it (docs/versions.md), and this is one of ProjectionGen's own tables (rename the projection)"));
                        return;
                    }

                    tables.Add((DocumentTableNames.Effective(name, explicitTable), name, display, location));
                    tables.Add((name, name, display, location));
                }
            });

            start.RegisterCompilationEndAction(end =>
            {
                // An event projection's views and copies (docs/versions.md) must be no other projection's relation.
                var others = tables.Select(t => (Relation: t.Table, t.Projection)).Concat(declared.Select(d => (d.Relation, d.Projection))).ToList();
                foreach (var entry in declared.GroupBy(d => (d.Projection, d.Table)).Select(g => g.First()))
                {
                    var clash = declared.Where(d => d.Projection == entry.Projection && d.Table == entry.Table)
                        .Select(d => d.Relation)
                        .SelectMany(relation => others.Where(o => o.Relation == relation && o.Projection != entry.Projection))
                        .Select(o => (o.Relation, o.Projection))
                        .OrderBy(o => o.Relation, System.StringComparer.Ordinal)
                        .FirstOrDefault();
                    if (clash.Relation is not null)
                    {
                        end.ReportDiagnostic(Diagnostic.Create(
                            DiagnosticDescriptors.InvalidDeclaredTable, entry.Location, entry.Projection, entry.Table,
                            $"taken: projection '{clash.Projection}' owns '{clash.Relation}' too (a view per declared table and a copy per generation, _v1, _v1b, _v2, ...)"));
                    }
                }

                // Two versions of one projection share its table and view by design.
                foreach (var group in tables.GroupBy(t => t.Table).Where(g => g.Select(m => m.Projection).Distinct().Count() > 1))
                {
                    var members = group.GroupBy(m => m.Projection).Select(g => g.First()).OrderBy(m => m.Type, System.StringComparer.Ordinal).ToList();
                    for (var i = 0; i < members.Count; i++)
                    {
                        var (member, other) = (members[i], members[i == 0 ? 1 : 0]);
                        end.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicateTableName, member.Location, member.Type, member.Table, other.Type));
                    }
                }
            });
        });
    }

    private static void CheckDeclaredTables(
        SymbolAnalysisContext symbol,
        INamedTypeSymbol type,
        AttributeData attribute,
        ConcurrentBag<(string Relation, string Table, string Projection, Location Location)> declared)
    {
        var names = DocumentTableNames.Declared(attribute);
        if (names.IsEmpty)
        {
            return;
        }

        var projection = ProjectionNames.Resolve(type, attribute);
        var location = DocumentTableNames.TablesLocation(type, attribute, symbol.CancellationToken);
        if (KeepsDocuments(type))
        {
            symbol.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.InvalidDeclaredTable, location, projection, names[0], "declared by an aggregate projection: an aggregate keeps its documents in its document table (TableName); only event projections declare Tables"));
            return;
        }

        var version = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Version").Value.Value is int v && v >= 1 ? v : 1;
        var seen = new System.Collections.Generic.HashSet<string>(System.StringComparer.Ordinal);
        foreach (var table in names)
        {
            var problem = !DocumentTableNames.IsValidDeclared(table)
                ? $"invalid: use 1 to {DocumentTableNames.MaxDeclaredLength} lower-case letters, digits and underscores, starting with a letter"
                : !seen.Add(table)
                    ? "declared twice"
                    : DocumentTableNames.OwnedByEventProjection(ImmutableArray.Create(table), version).FirstOrDefault(DocumentTableNames.Reserved.Contains) is { } reserved
                        ? $"reserved: '{reserved}' is one of ProjectionGen's own tables"
                        : null;
            if (problem is not null)
            {
                symbol.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidDeclaredTable, location, projection, table, problem));
                continue;
            }

            foreach (var relation in DocumentTableNames.OwnedByEventProjection(ImmutableArray.Create(table), version))
            {
                declared.Add((relation, table, projection, location));
            }
        }
    }

    /// <summary>An aggregate projection, by the inspector's rule: Create, Apply or ShouldDelete methods and no Handle.</summary>
    private static bool KeepsDocuments(INamedTypeSymbol type)
    {
        var names = type.GetMembers().OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary).Select(m => m.Name).ToList();
        return names.Any(MethodRoles.IsAggregate) && !names.Contains(MethodRoles.Handle);
    }
}
