using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ProjectionGen.Generators.Analysis;

namespace ProjectionGen.Generators.Analyzers;

/// <summary>
/// Checks <c>[Projection(Version = N)]</c> (PGEN019): a version is 1 to 999, and an event projection has versions other
/// than 1 only when it declares the tables it writes (<c>Tables</c>), because a new version is built beside the live one
/// into its own copies of them (docs/versions.md). The runtime's descriptor refuses both too.
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
                    : IsEventProjection(type) && DocumentTableNames.Declared(attribute).IsEmpty
                        ? "needs the tables an event projection writes: a new version is built beside the live one into its own copies of the tables the projection declares; add Tables = new[] { \"...\" } and write them through writer.Table(\"...\"), or keep Version = 1 and rebuild it in place"
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
