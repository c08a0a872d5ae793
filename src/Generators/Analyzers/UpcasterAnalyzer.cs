using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ProjectionGen.Generators.Analysis;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Analyzers;

/// <summary>
/// Reports unusable upcasters (PGEN040) per <c>[EventUpcasters]</c> class, and at the end of the compilation the
/// problems that need every upcaster and projection at once: duplicates (PGEN041), cycles (PGEN042), unreachable or
/// hiding raw-JSON upcasters (PGEN043) and projection methods that take a type that is always upcast (PGEN044).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UpcasterAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.UnusableUpcaster,
        DiagnosticDescriptors.DuplicateUpcaster,
        DiagnosticDescriptors.UpcasterCycle,
        DiagnosticDescriptors.UnreachableUpcaster,
        DiagnosticDescriptors.HandlerOfUpcastType);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var upcastersAttribute = start.Compilation.GetTypeByMetadataName(UpcasterInspector.AttributeMetadataName);
            var projectionAttribute = start.Compilation.GetTypeByMetadataName(ProjectionGenerator.AttributeMetadataName);
            if (upcastersAttribute is null)
            {
                return;
            }

            var upcasters = new ConcurrentBag<(UpcasterModel Model, IMethodSymbol Method)>();
            var handlers = new ConcurrentBag<IMethodSymbol>();
            start.RegisterSymbolAction(
                symbol =>
                {
                    var type = (INamedTypeSymbol)symbol.Symbol;
                    var attributes = type.GetAttributes();
                    if (attributes.Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, upcastersAttribute)))
                    {
                        var inspection = UpcasterInspector.Inspect(type, symbol.CancellationToken);
                        foreach (var problem in inspection.Problems)
                        {
                            symbol.ReportDiagnostic(problem);
                        }

                        foreach (var upcaster in inspection.Upcasters)
                        {
                            upcasters.Add(upcaster);
                        }
                    }

                    if (projectionAttribute is not null && attributes.Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, projectionAttribute)))
                    {
                        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
                        {
                            if (method.MethodKind == MethodKind.Ordinary && method.Parameters.Length > 0
                                && (method.Name == MethodRoles.Handle || MethodRoles.IsAggregate(method.Name) || MethodRoles.IsRoute(method.Name)))
                            {
                                handlers.Add(method);
                            }
                        }
                    }
                },
                SymbolKind.NamedType);

            start.RegisterCompilationEndAction(end => ReportCompilationWide(end, upcasters.ToList(), handlers.ToList()));
        });
    }

    private static void ReportCompilationWide(CompilationAnalysisContext end, List<(UpcasterModel Model, IMethodSymbol Method)> upcasters, List<IMethodSymbol> handlers)
    {
        // The order decides which of two duplicates is "first": source order.
        var ordered = upcasters
            .OrderBy(u => u.Method.Locations.FirstOrDefault()?.SourceTree?.FilePath ?? "", System.StringComparer.Ordinal)
            .ThenBy(u => u.Method.Locations.FirstOrDefault()?.SourceSpan.Start ?? 0)
            .ToList();
        var handledTypes = handlers
            .Select(m => m.Parameters[0].Type)
            .Where(TypeFacts.IsEventType)
            .Distinct<ITypeSymbol>(SymbolEqualityComparer.Default)
            .Select(t => (t.ToDisplayString(TypeFacts.MessageFormat), EventTypeNames.Of(t)))
            .ToList();
        foreach (var problem in UpcasterGraph.Check(ordered.Select(u => u.Model).ToList(), handledTypes))
        {
            end.ReportDiagnostic(Diagnostic.Create(problem.Descriptor, SignatureChecks.LocationOf(ordered[problem.Index].Method), problem.Arguments));
        }

        var bySource = new Dictionary<string, UpcasterModel>(System.StringComparer.Ordinal);
        foreach (var (model, _) in ordered)
        {
            if (model.SourceType is { } source && !bySource.ContainsKey(source))
            {
                bySource.Add(source, model);
            }
        }

        foreach (var handler in handlers)
        {
            var handled = handler.Parameters[0].Type;
            if (!bySource.TryGetValue(handled.ToDisplayString(TypeFacts.QualifiedFormat), out var upcaster))
            {
                continue;
            }

            // The newest type of the chain (a cycle is reported above; the walk is bounded).
            var newest = upcaster;
            for (var hops = 0; hops < bySource.Count && bySource.TryGetValue(newest.TargetType, out var next); hops++)
            {
                newest = next;
            }

            end.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.HandlerOfUpcastType,
                SignatureChecks.LocationOf(handler),
                SignatureChecks.Display(handler),
                handled.ToDisplayString(TypeFacts.MessageFormat),
                upcaster.Display,
                upcaster.TargetDisplay,
                newest.TargetDisplay));
        }
    }
}
