using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ProjectionGen.Generators.Analysis;

namespace ProjectionGen.Generators.Analyzers;

/// <summary>
/// Checks <c>[Projection(Version = N)]</c> (PGEN019): a version is 1 to 999, and only aggregate projections have
/// versions other than 1, because a new version is built beside the live one into its own document table, and an event
/// projection's handlers write tables the runtime does not know (docs/versions.md). The runtime's descriptor refuses both
/// too.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ProjectionVersionAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The highest version; mirrors <c>ProjectionDescriptor.MaxVersion</c>.</summary>
    public const int MaxVersion = 999;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.InvalidVersion);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
            ProjectionAttributes.OnProjections(start, (symbol, type, attribute) =>
            {
                if (attribute.NamedArguments.FirstOrDefault(a => a.Key == "Version").Value.Value is not int version || version == 1)
                {
                    return;
                }

                var problem = version < 1 || version > MaxVersion
                    ? $"is out of range: a version is 1 to {MaxVersion}"
                    : IsEventProjection(type)
                        ? "is only for aggregate projections: a new version is built beside the live one into its own document table, and an event projection's handlers write tables of their own; keep Version = 1 and rebuild it in place"
                        : null;
                if (problem is not null)
                {
                    symbol.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.InvalidVersion,
                        VersionLocation(type, attribute, symbol.CancellationToken),
                        ProjectionNames.Resolve(type, attribute),
                        version,
                        problem));
                }
            }));
    }

    private static bool IsEventProjection(INamedTypeSymbol type) =>
        type.GetMembers().OfType<IMethodSymbol>().Any(m => m.MethodKind == MethodKind.Ordinary && m.Name == MethodRoles.Handle);

    private static Location VersionLocation(INamedTypeSymbol type, AttributeData attribute, System.Threading.CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } arguments }
            && arguments.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "Version") is { } argument)
        {
            return argument.Expression.GetLocation();
        }

        return ProjectionNames.Location(type, attribute, cancellationToken);
    }
}
