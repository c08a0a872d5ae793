using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace ProjectionGen.Generators.Analysis;

/// <summary>Signature checks shared by the event-handler and aggregate readers.</summary>
internal static class SignatureChecks
{
    /// <summary>
    /// Reports why <paramref name="method"/>'s general shape (generic, ref parameters, missing or unusable event
    /// parameter) cannot be dispatched, or returns true when the first parameter is a usable event type.
    /// </summary>
    public static bool HasUsableEventParameter(IMethodSymbol method, List<Diagnostic> problems)
    {
        if (method.IsGenericMethod)
        {
            return Unusable(method, "it is generic; take the concrete event type as the first parameter instead of a type parameter", problems);
        }

        if (method.Parameters.Any(p => p.RefKind != RefKind.None))
        {
            return Unusable(method, "its parameters must not be ref, out or in; pass them by value", problems);
        }

        if (method.Parameters.Length == 0)
        {
            return Unusable(method, "its first parameter must be the event; add it", problems);
        }

        var eventType = method.Parameters[0].Type;
        if (!TypeFacts.IsEventType(eventType))
        {
            return Unusable(
                method,
                $"its first parameter type '{eventType.ToDisplayString(TypeFacts.MessageFormat)}' is not a class, record or struct event type (interfaces, nullable value types and ref structs cannot be dispatched); take the concrete event type",
                problems);
        }

        if (eventType.IsAbstract)
        {
            problems.Add(Diagnostic.Create(
                DiagnosticDescriptors.BaseEventType,
                LocationOf(method),
                Display(method),
                eventType.ToDisplayString(TypeFacts.MessageFormat),
                $"'{eventType.ToDisplayString(TypeFacts.MessageFormat)}' is abstract, so no event is stored as it and the method never runs; handle each concrete event type instead"));
            return false;
        }

        return true;
    }

    /// <summary>Adds a PGEN017 problem when <paramref name="method"/> is <c>async void</c>; returns whether it is not.</summary>
    /// <param name="method">A Handle or Apply method.</param>
    /// <param name="fix">What to do instead, ending the message.</param>
    /// <param name="problems">Where to add the problem.</param>
    public static bool IsNotAsyncVoid(IMethodSymbol method, string fix, List<Diagnostic> problems)
    {
        if (method.IsAsync && method.ReturnsVoid)
        {
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.AsyncVoid, LocationOf(method), Display(method), fix));
            return false;
        }

        return true;
    }

    /// <summary>Adds a PGEN005 problem for <paramref name="method"/> and returns false.</summary>
    public static bool Unusable(IMethodSymbol method, string reason, List<Diagnostic> problems)
    {
        problems.Add(Diagnostic.Create(DiagnosticDescriptors.UnusableSignature, LocationOf(method), Display(method), reason));
        return false;
    }

    /// <summary>Adds a PGEN006 problem when a method of the same role already took <paramref name="eventType"/>; returns whether it was new.</summary>
    public static bool IsFirstFor(
        Dictionary<ITypeSymbol, IMethodSymbol> seen,
        ITypeSymbol eventType,
        IMethodSymbol method,
        List<Diagnostic> problems)
    {
        if (seen.TryGetValue(eventType, out var first))
        {
            problems.Add(Diagnostic.Create(
                DiagnosticDescriptors.DuplicateHandler,
                LocationOf(method),
                Display(method),
                eventType.ToDisplayString(TypeFacts.MessageFormat),
                Display(first)));
            return false;
        }

        seen.Add(eventType, method);
        return true;
    }

    /// <summary>The method as shown in messages.</summary>
    public static string Display(IMethodSymbol method) => method.ToDisplayString(TypeFacts.MessageFormat);

    /// <summary>The method name's location.</summary>
    public static Location LocationOf(ISymbol symbol) => symbol.Locations.FirstOrDefault() ?? Location.None;
}
