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
        ImmutableArray.Create(DiagnosticDescriptors.InvalidTableName, DiagnosticDescriptors.DuplicateTableName);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var tables = new ConcurrentBag<(string Table, string Projection, string Type, Location Location)>();
            ProjectionAttributes.OnProjections(start, (symbol, type, attribute) =>
            {
                var display = type.ToDisplayString(TypeFacts.MessageFormat);
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

    /// <summary>An aggregate projection, by the inspector's rule: Create, Apply or ShouldDelete methods and no Handle.</summary>
    private static bool KeepsDocuments(INamedTypeSymbol type)
    {
        var names = type.GetMembers().OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary).Select(m => m.Name).ToList();
        return names.Any(MethodRoles.IsAggregate) && !names.Contains(MethodRoles.Handle);
    }
}
