using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ProjectionGen.Generators.Analysis;

/// <summary>
/// The checks of a multi-stream aggregate (an aggregate with routes): every handled event type is routed, every route
/// reaches a handler, and the projection is not sharded.
/// </summary>
internal static class MultiStreamChecks
{
    /// <summary>The <see cref="Diagnostic.Properties"/> key of PGEN033 naming the id type for the code fix (fully qualified).</summary>
    public const string IdTypeProperty = "IdType";

    /// <summary>Reads the routes and reports the multi-stream problems; returns the usable routes.</summary>
    public static List<DispatchEntry> Read(
        INamedTypeSymbol type,
        AttributeData attribute,
        IReadOnlyList<IMethodSymbol> aggregateMethods,
        IReadOnlyList<IMethodSymbol> routeMethods,
        List<Diagnostic> problems,
        CancellationToken cancellationToken)
    {
        var (idType, routes) = RouteReader.Read(routeMethods, problems);
        var display = type.ToDisplayString(TypeFacts.MessageFormat);

        // Every route method counts for coverage, even one with another problem: its error is reported already.
        var routedTypes = routeMethods.Where(m => m.Parameters.Length > 0).Select(m => m.Parameters[0].Type).ToList();
        var handled = aggregateMethods.Where(m => m.Parameters.Length > 0).ToList();
        var reported = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        foreach (var method in handled)
        {
            var eventType = method.Parameters[0].Type;
            if (routedTypes.Any(r => Covers(r, eventType)) || !reported.Add(eventType))
            {
                continue;
            }

            var idDisplay = idType?.ToDisplayString(TypeFacts.MessageFormat) ?? "string";
            problems.Add(Diagnostic.Create(
                DiagnosticDescriptors.UnroutedEvent,
                SignatureChecks.LocationOf(method),
                ImmutableDictionary<string, string?>.Empty.Add(IdTypeProperty, idType?.ToDisplayString(TypeFacts.QualifiedFormat) ?? "string"),
                SignatureChecks.Display(method),
                eventType.ToDisplayString(TypeFacts.MessageFormat),
                display,
                idDisplay));
        }

        foreach (var route in routeMethods.Where(m => m.Parameters.Length > 0))
        {
            var routed = route.Parameters[0].Type;
            if (!handled.Any(m => Covers(routed, m.Parameters[0].Type)))
            {
                problems.Add(Diagnostic.Create(
                    DiagnosticDescriptors.RouteWithoutHandler,
                    SignatureChecks.LocationOf(route),
                    SignatureChecks.Display(route),
                    routed.ToDisplayString(TypeFacts.MessageFormat)));
            }
        }

        if (attribute.NamedArguments.FirstOrDefault(a => a.Key == "Shards").Value.Value is int shards && shards > 1)
        {
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.ShardedMultiStream, ShardsLocation(type, attribute, cancellationToken), display, shards));
        }

        return routes;
    }

    /// <summary>Whether a route for <paramref name="routed"/> reaches events of <paramref name="eventType"/>: the same type or a derived one.</summary>
    private static bool Covers(ITypeSymbol routed, ITypeSymbol eventType) =>
        SymbolEqualityComparer.Default.Equals(routed, eventType) || TypeFacts.DerivesFrom(eventType, routed);

    private static Location ShardsLocation(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } arguments }
            && arguments.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "Shards") is { } shards)
        {
            return shards.GetLocation();
        }

        return SignatureChecks.LocationOf(type);
    }
}
