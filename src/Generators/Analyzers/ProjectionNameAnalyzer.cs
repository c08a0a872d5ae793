using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ProjectionGen.Generators.Analysis;

namespace ProjectionGen.Generators.Analyzers;

/// <summary>
/// Checks projection names: each must be valid (PGEN008) and unique within the compilation (PGEN009), because the
/// name keys the projection's progress row, advisory lock and metrics.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ProjectionNameAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.InvalidName, DiagnosticDescriptors.DuplicateName);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var named = new ConcurrentBag<(string Name, int Version, string Type, Location Location)>();
            ProjectionAttributes.OnProjections(start, (symbol, type, attribute) =>
            {
                var name = ProjectionNames.Resolve(type, attribute);
                var location = ProjectionNames.Location(type, attribute, symbol.CancellationToken);
                var display = type.ToDisplayString(TypeFacts.MessageFormat);
                if (!ProjectionNames.IsValid(name))
                {
                    symbol.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidName, location, name, display));
                }

                var version = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Version").Value.Value is int v ? v : 1;
                named.Add((name, version, display, location));
            });

            start.RegisterCompilationEndAction(end =>
            {
                // Two versions of one projection share its name by design (docs/versions.md).
                foreach (var group in named.GroupBy(n => (n.Name, n.Version)).Where(g => g.Count() > 1))
                {
                    var members = group.OrderBy(m => m.Type, System.StringComparer.Ordinal).ToList();
                    foreach (var member in members)
                    {
                        var other = members.First(m => m.Type != member.Type);
                        end.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicateName, member.Location, member.Name, member.Type, other.Type));
                    }
                }
            });
        });
    }
}
