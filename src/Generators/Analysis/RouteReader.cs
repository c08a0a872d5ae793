using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Analysis;

/// <summary>Reads a multi-stream aggregate's routes: <c>Identity</c> (one document) and <c>Identities</c> (several).</summary>
internal static class RouteReader
{
    /// <summary>The role under which both route names count, so that one event type has at most one route.</summary>
    public const string Role = "Route";

    private const string Shape = "a route takes the event and optionally EventMetadata: 'TId Identity(TEvent e[, EventMetadata metadata])' or 'IEnumerable<TId> Identities(TEvent e[, EventMetadata metadata])'";

    /// <summary>
    /// The projection's document id type (from the first usable route) and the dispatch entries of the usable routes,
    /// in declaration order; problems for the others.
    /// </summary>
    public static (ITypeSymbol? IdType, List<DispatchEntry> Entries) Read(IReadOnlyList<IMethodSymbol> routes, List<Diagnostic> problems)
    {
        var entries = new List<DispatchEntry>();
        var seen = new Dictionary<ITypeSymbol, IMethodSymbol>(SymbolEqualityComparer.Default);
        ITypeSymbol? idType = null;
        IMethodSymbol? idSource = null;
        foreach (var method in routes)
        {
            if (ReadOne(method, problems) is not { } read)
            {
                continue;
            }

            if (idType is null)
            {
                (idType, idSource) = (read.IdType, method);
            }
            else if (!SymbolEqualityComparer.Default.Equals(idType, read.IdType))
            {
                problems.Add(Diagnostic.Create(
                    DiagnosticDescriptors.MixedIdTypes,
                    SignatureChecks.LocationOf(method),
                    SignatureChecks.Display(method),
                    read.IdType.ToDisplayString(TypeFacts.MessageFormat),
                    idType.ToDisplayString(TypeFacts.MessageFormat),
                    SignatureChecks.Display(idSource!)));
                continue;
            }

            if (SignatureChecks.IsFirstFor(seen, method.Parameters[0].Type, method, problems))
            {
                entries.Add(new DispatchEntry(method.Parameters[0].Type, Role, read.Call));
            }
        }

        return (idType, entries);
    }

    /// <summary>Whether <paramref name="type"/> may key a document: string, Guid, int or long, not nullable.</summary>
    public static bool IsIdType(ITypeSymbol type) =>
        type.NullableAnnotation != NullableAnnotation.Annotated
        && (type.SpecialType is SpecialType.System_String or SpecialType.System_Int32 or SpecialType.System_Int64 || TypeFacts.Is(type, "System", "Guid"));

    private static (MethodCall Call, ITypeSymbol IdType)? ReadOne(IMethodSymbol method, List<Diagnostic> problems)
    {
        if (!SignatureChecks.HasUsableEventParameter(method, problems))
        {
            return null;
        }

        if (method.Parameters.Length > 2 || (method.Parameters.Length == 2 && !TypeFacts.IsMetadata(method.Parameters[1].Type)))
        {
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.UnusableRoute, SignatureChecks.LocationOf(method), SignatureChecks.Display(method), Shape));
            return null;
        }

        var returned = method.ReturnType;
        ITypeSymbol? idType;
        string expected;
        if (method.Name == MethodRoles.Identity)
        {
            idType = IsIdType(returned) ? returned : null;
            expected = ElementOf(returned) is { } element && IsIdType(element)
                ? "an Identity route returns one document id; to route the event to several documents name the method 'Identities'"
                : "a document id is string, Guid, int or long, not nullable";
        }
        else
        {
            idType = ElementOf(returned) is { } element && IsIdType(element) ? element : null;
            expected = IsIdType(returned)
                ? "an Identities route returns several document ids; to route the event to one document name the method 'Identity'"
                : "an Identities route returns a sequence of document ids: IEnumerable<string>, IEnumerable<Guid>, IEnumerable<int> or IEnumerable<long> (or a collection of them), elements not nullable";
        }

        if (idType is null)
        {
            problems.Add(Diagnostic.Create(
                DiagnosticDescriptors.WrongIdType,
                SignatureChecks.LocationOf(method),
                SignatureChecks.Display(method),
                returned.ToDisplayString(TypeFacts.MessageFormat),
                expected));
            return null;
        }

        var arguments = method.Parameters.Length == 2
            ? new[] { ArgumentKind.Event, ArgumentKind.Metadata }
            : new[] { ArgumentKind.Event };
        return (new MethodCall(method.Name, new EquatableArray<ArgumentKind>(arguments), IsAwaitable: false, ReturnsDocument: false, method.IsStatic), idType);
    }

    /// <summary>The single <c>T</c> of the <c>IEnumerable&lt;T&gt;</c> that <paramref name="type"/> is or implements, if any (never for string).</summary>
    private static ITypeSymbol? ElementOf(ITypeSymbol type)
    {
        if (type.SpecialType == SpecialType.System_String)
        {
            return null;
        }

        var candidates = type is INamedTypeSymbol named ? new[] { named }.Concat(type.AllInterfaces) : type.AllInterfaces;
        var elements = candidates
            .Where(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
            .Select(i => i.TypeArguments[0])
            .Distinct<ITypeSymbol>(SymbolEqualityComparer.IncludeNullability)
            .ToList();
        return elements.Count == 1 ? elements[0] : null;
    }
}
