using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Analysis;

/// <summary>
/// Inspects an <c>[EventUpcasters]</c> class for both consumers: the generator lists its upcasters, the analyzer
/// reports its problems. Recognised methods: <c>static TNew Upcast(TOld old)</c> and
/// <c>[UpcastFrom("stored_name")] static TNew AnyName(JsonElement json)</c>.
/// </summary>
internal static class UpcasterInspector
{
    /// <summary>The metadata name of the class marker.</summary>
    public const string AttributeMetadataName = "ProjectionGen.EventUpcastersAttribute";

    /// <summary>The name of an upcaster from an old CLR type.</summary>
    public const string UpcastMethod = "Upcast";

    private const string Forms = "'static TNew Upcast(TOld old)' or '[UpcastFrom(\"stored_name\")] static TNew Name(JsonElement json)'";

    /// <summary>Inspects <paramref name="type"/>, which carries <c>[EventUpcasters]</c>.</summary>
    public static UpcasterInspection Inspect(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var problems = new List<Diagnostic>();
        var display = type.ToDisplayString(TypeFacts.MessageFormat);
        var location = SignatureChecks.LocationOf(type);
        if (type.IsGenericType)
        {
            problems.Add(Unusable(location, display, "its class is generic, and the generated registration names its methods without type arguments; remove the type parameters"));
        }

        for (var container = type; container is not null; container = container.ContainingType)
        {
            if (container.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                problems.Add(Unusable(location, display, $"'{container.ToDisplayString(TypeFacts.MessageFormat)}' is private or protected, so the generated registration cannot reach the upcasters; make it internal or public"));
            }
        }

        var upcasters = new List<(UpcasterModel, IMethodSymbol)>();
        var candidates = type.GetMembers()
            .OfType<IMethodSymbol>()
            .Where(m => m.MethodKind == MethodKind.Ordinary && (m.Name == UpcastMethod || UpcastFromName(m, out _)))
            .ToList();
        if (candidates.Count == 0)
        {
            problems.Add(Unusable(location, display, $"the class has no upcaster method; add {Forms}"));
        }

        foreach (var method in candidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Read(type, method, problems) is { } model)
            {
                upcasters.Add((model, method));
            }
        }

        return new UpcasterInspection(problems.Count == 0 ? upcasters : new List<(UpcasterModel, IMethodSymbol)>(), problems.ToImmutableArray());
    }

    /// <summary>Whether <paramref name="method"/> carries <c>[UpcastFrom]</c>, and its stored name.</summary>
    public static bool UpcastFromName(IMethodSymbol method, out string? storedName)
    {
        foreach (var attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass is { } attributeClass && TypeFacts.Is(attributeClass, "ProjectionGen", "UpcastFromAttribute"))
            {
                storedName = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
                return true;
            }
        }

        storedName = null;
        return false;
    }

    private static UpcasterModel? Read(INamedTypeSymbol type, IMethodSymbol method, List<Diagnostic> problems)
    {
        var location = SignatureChecks.LocationOf(method);
        var display = SignatureChecks.Display(method);
        string? reason = null;
        var fromJson = UpcastFromName(method, out var storedName);
        var parameter = method.Parameters.Length == 1 ? method.Parameters[0] : null;
        var isJsonParameter = parameter is not null && TypeFacts.Is(parameter.Type, "System.Text.Json", "JsonElement");
        if (!method.IsStatic)
        {
            reason = "it must be static; an upcaster converts an event without any state";
        }
        else if (method.IsGenericMethod)
        {
            reason = "it is generic; take the concrete old type";
        }
        else if (method.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
        {
            reason = "it must be public or internal so that the generated registration can call it";
        }
        else if (parameter is null || parameter.RefKind != RefKind.None)
        {
            reason = $"it takes exactly one parameter by value: {Forms}";
        }
        else if (isJsonParameter && !fromJson)
        {
            reason = "a raw-JSON upcaster names the stored type it reads; add [UpcastFrom(\"stored_name\")]";
        }
        else if (!isJsonParameter && fromJson)
        {
            reason = $"[UpcastFrom] is for raw-JSON upcasters (a JsonElement parameter); an upcaster from '{parameter.Type.ToDisplayString(TypeFacts.MessageFormat)}' reads the events stored under that type's name, so remove the attribute";
        }
        else if (fromJson && !EventTypeNames.IsValid(storedName))
        {
            reason = $"the stored name '{storedName}' must be non-blank and at most {EventTypeNames.MaxLength} characters";
        }
        else if (!isJsonParameter && !TypeFacts.IsEventType(parameter.Type))
        {
            reason = $"its parameter type '{parameter.Type.ToDisplayString(TypeFacts.MessageFormat)}' is not a class, record or struct event type (or a JsonElement with [UpcastFrom])";
        }
        else if (method.ReturnsVoid || !TypeFacts.IsEventType(method.ReturnType) || method.ReturnType.NullableAnnotation == NullableAnnotation.Annotated)
        {
            reason = $"it must return the new event type (a class, record or struct, not nullable), not '{method.ReturnType.ToDisplayString(TypeFacts.MessageFormat)}'";
        }

        if (reason is not null)
        {
            problems.Add(Unusable(location, display, reason));
            return null;
        }

        var source = isJsonParameter ? null : parameter!.Type;
        return new UpcasterModel(
            ContainingType: type.ToDisplayString(TypeFacts.QualifiedFormat),
            MethodName: method.Name,
            Display: display,
            SourceType: source?.ToDisplayString(TypeFacts.QualifiedFormat),
            SourceDisplay: source?.ToDisplayString(TypeFacts.MessageFormat),
            SourceName: source is null ? storedName! : EventTypeNames.Of(source),
            TargetType: method.ReturnType.ToDisplayString(TypeFacts.QualifiedFormat),
            TargetDisplay: method.ReturnType.ToDisplayString(TypeFacts.MessageFormat),
            TargetName: EventTypeNames.Of(method.ReturnType));
    }

    private static Diagnostic Unusable(Location location, string display, string reason) =>
        Diagnostic.Create(DiagnosticDescriptors.UnusableUpcaster, location, display, reason);
}
