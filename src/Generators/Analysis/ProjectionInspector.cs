using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Analysis;

/// <summary>
/// Inspects a <c>[Projection]</c> class once for both consumers: the generator takes the value model (or nothing when
/// the shape cannot be served) and the analyzer reports the problems, so the two never disagree.
/// </summary>
internal static class ProjectionInspector
{
    /// <summary>The generated public static descriptor property, emitted only where this name is free.</summary>
    private const string PublicDescriptorName = "ProjectionDescriptor";

    /// <summary>Inspects <paramref name="type"/>, which carries <paramref name="attribute"/>.</summary>
    public static ProjectionInspection Inspect(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        var problems = new List<Diagnostic>();
        CheckDeclaration(type, problems, cancellationToken);

        var members = type.GetMembers().OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary).ToList();
        var methods = members.Where(m => m.Name == MethodRoles.Handle || MethodRoles.IsAggregate(m.Name)).ToList();
        var handlers = methods.Where(m => m.Name == MethodRoles.Handle).ToList();
        var aggregateMethods = methods.Where(m => MethodRoles.IsAggregate(m.Name)).ToList();
        var routeMethods = members.Where(m => MethodRoles.IsRoute(m.Name)).ToList();
        var display = type.ToDisplayString(TypeFacts.MessageFormat);

        if (methods.Count == 0)
        {
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.NoHandler, SignatureChecks.LocationOf(type), display));
        }
        else if (handlers.Count > 0 && aggregateMethods.Count > 0)
        {
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.MixedShapes, SignatureChecks.LocationOf(type), display));
        }

        INamedTypeSymbol? document = null;
        List<DispatchEntry> entries;
        var routes = new List<DispatchEntry>();
        var isAggregate = handlers.Count == 0 && aggregateMethods.Count > 0;
        if (isAggregate)
        {
            (document, entries) = AggregateMethodReader.Read(type, aggregateMethods, problems);
            if (routeMethods.Count > 0)
            {
                routes = MultiStreamChecks.Read(type, attribute, aggregateMethods, routeMethods, problems, cancellationToken);
            }
        }
        else
        {
            entries = EventHandlerReader.Read(handlers, problems);
            if (handlers.Count > 0)
            {
                foreach (var route in routeMethods)
                {
                    problems.Add(Diagnostic.Create(
                        DiagnosticDescriptors.UnusableRoute,
                        SignatureChecks.LocationOf(route),
                        SignatureChecks.Display(route),
                        $"routes send events to the documents of an aggregate projection, but '{display}' is an event projection (it has Handle methods); remove the route"));
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        var model = problems.Count == 0 ? BuildModel(type, attribute, isAggregate, document, entries, routes) : null;
        return new ProjectionInspection(model, problems.ToImmutableArray());
    }

    private static void CheckDeclaration(INamedTypeSymbol type, List<Diagnostic> problems, CancellationToken cancellationToken)
    {
        var location = SignatureChecks.LocationOf(type);
        var display = type.ToDisplayString(TypeFacts.MessageFormat);
        if (!IsPartial(type, cancellationToken))
        {
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.NotPartial, location, display));
        }

        if (type.IsGenericType)
        {
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.Generic, location, display));
        }

        if (type.IsStatic || type.IsAbstract)
        {
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.StaticOrAbstract, location, display, type.IsStatic ? "static" : "abstract"));
        }
        else if (!TypeFacts.HasAccessibleParameterlessConstructor(type))
        {
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.NoParameterlessConstructor, location, display));
        }

        if (type.ContainingType is { } outer)
        {
            if (type.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                problems.Add(NestingProblem(type, outer, "and is private or protected, so the generated registration cannot create it; make it internal or public"));
            }

            for (var container = outer; container is not null; container = container.ContainingType)
            {
                var name = container.ToDisplayString(TypeFacts.MessageFormat);
                if (container.IsGenericType)
                {
                    problems.Add(NestingProblem(type, container, $"which is generic; move the projection out of '{name}'"));
                }
                else if (container.TypeKind is not (TypeKind.Class or TypeKind.Struct) || !IsPartial(container, cancellationToken))
                {
                    problems.Add(NestingProblem(type, container, $"which is not a partial class, record or struct; declare '{name}' partial or move the projection to the top level"));
                }
                else if (container.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
                {
                    problems.Add(NestingProblem(type, container, $"which is private or protected, so the generated registration cannot reach the projection; make '{name}' internal or public"));
                }
            }
        }
    }

    private static Diagnostic NestingProblem(INamedTypeSymbol type, INamedTypeSymbol container, string reason) =>
        Diagnostic.Create(
            DiagnosticDescriptors.UnsupportedNesting,
            SignatureChecks.LocationOf(type),
            type.ToDisplayString(TypeFacts.MessageFormat),
            container.ToDisplayString(TypeFacts.MessageFormat),
            reason);

    private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.Any(r =>
            r.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
            && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static ProjectionModel BuildModel(
        INamedTypeSymbol type,
        AttributeData attribute,
        bool isAggregate,
        INamedTypeSymbol? document,
        List<DispatchEntry> entries,
        List<DispatchEntry> routes)
    {
        var eventTypes = entries
            .Select(e => e.EventType)
            .Distinct(SymbolEqualityComparer.Default)
            .Cast<ITypeSymbol>()
            .ToList();

        var cases = DerivedFirst(eventTypes).Select(eventType => ToCase(eventType, entries)).ToList();
        var routeCases = DerivedFirst(routes.Select(r => r.EventType).ToList())
            .Select(eventType => new RouteCase(
                eventType.ToDisplayString(TypeFacts.QualifiedFormat),
                routes.First(r => SymbolEqualityComparer.Default.Equals(r.EventType, eventType)).Call))
            .ToList();

        var containing = new List<string>();
        for (var container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            containing.Insert(0, $"partial {Keyword(container)} {TypeFacts.EscapedName(container)}");
        }

        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString(TypeFacts.NamespaceFormat) : "";
        var qualified = type.ToDisplayString(TypeFacts.QualifiedFormat);
        return new ProjectionModel(
            Namespace: ns,
            ContainingTypes: new EquatableArray<string>(containing),
            TypeKeyword: Keyword(type),
            ClassName: TypeFacts.EscapedName(type),
            FullyQualifiedName: qualified,
            HintName: qualified.Substring("global::".Length).Replace("@", "") + ".g.cs",
            Name: ProjectionNames.Resolve(type, attribute),
            IsAggregate: isAggregate,
            DocumentType: document?.ToDisplayString(TypeFacts.QualifiedFormat),
            DocumentHasParameterlessConstructor: document is not null && TypeFacts.HasAccessibleParameterlessConstructor(document),
            BatchSize: NamedInt(attribute, "BatchSize", 0),
            MaxRetries: NamedInt(attribute, "MaxRetries", -1),
            OnPoisonEvent: PoisonPolicy(attribute),
            TableName: attribute.NamedArguments.FirstOrDefault(a => a.Key == "TableName").Value.Value as string,
            Shards: NamedInt(attribute, "Shards", 1),
            EventTypes: new EquatableArray<string>(eventTypes.Select(t => t.ToDisplayString(TypeFacts.QualifiedFormat))),
            Cases: new EquatableArray<EventCase>(cases),
            HasPublicDescriptor: IsDescriptorNameFree(type),
            HidesBaseDescriptor: HasBaseProjection(type),
            Routes: new EquatableArray<RouteCase>(routeCases),
            NeedsInstance: entries.Any(e => !e.Call.IsStatic),
            Version: NamedInt(attribute, "Version", 1),
            Tables: new EquatableArray<string>(DocumentTableNames.Declared(attribute)));
    }

    /// <summary>
    /// Whether the generated public static <c>ProjectionDescriptor</c> can be added without clashing: the class is not
    /// itself so named, declares no member of that name (the generator sees only the user's members) and inherits none
    /// (a base projection gets one generated, which the derived one would hide).
    /// </summary>
    private static bool IsDescriptorNameFree(INamedTypeSymbol type)
    {
        if (type.Name == PublicDescriptorName || !type.GetMembers(PublicDescriptorName).IsEmpty)
        {
            return false;
        }

        for (var baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
        {
            if (baseType.GetMembers(PublicDescriptorName).Any(m => m.DeclaredAccessibility != Accessibility.Private)
                || baseType.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ProjectionGenerator.AttributeMetadataName))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether a base class has the generated internal descriptor field and the class can see it: a projection of the
    /// same compilation (whose generated code the generator does not see yet), or a compiled one whose assembly gives
    /// this one access to its internals.
    /// </summary>
    private static bool HasBaseProjection(INamedTypeSymbol type)
    {
        for (var baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
        {
            var sameAssembly = SymbolEqualityComparer.Default.Equals(baseType.ContainingAssembly, type.ContainingAssembly);
            if (sameAssembly
                ? baseType.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ProjectionGenerator.AttributeMetadataName)
                : !baseType.GetMembers(Emit.ProjectionEmitter.DescriptorField).IsEmpty && baseType.ContainingAssembly.GivesAccessTo(type.ContainingAssembly))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Declaration order, except that a derived event type moves before its base types: a base type's pattern would
    /// make a later derived case unreachable (error CS8120).
    /// </summary>
    private static List<ITypeSymbol> DerivedFirst(List<ITypeSymbol> eventTypes)
    {
        var remaining = new List<ITypeSymbol>(eventTypes);
        var ordered = new List<ITypeSymbol>(eventTypes.Count);
        while (remaining.Count > 0)
        {
            var next = remaining.First(candidate => !remaining.Any(other => TypeFacts.DerivesFrom(other, candidate)));
            ordered.Add(next);
            remaining.Remove(next);
        }

        return ordered;
    }

    private static EventCase ToCase(ITypeSymbol eventType, List<DispatchEntry> entries)
    {
        MethodCall? Of(string role) => entries
            .FirstOrDefault(e => e.Role == role && SymbolEqualityComparer.Default.Equals(e.EventType, eventType))?.Call;

        return new EventCase(
            eventType.ToDisplayString(TypeFacts.QualifiedFormat),
            Of(MethodRoles.Handle),
            Of(MethodRoles.Create),
            Of(MethodRoles.Apply),
            Of(MethodRoles.ShouldDelete));
    }

    private static string Keyword(INamedTypeSymbol type) => (type.IsRecord, type.TypeKind) switch
    {
        (true, TypeKind.Struct) => "record struct",
        (true, _) => "record",
        (false, TypeKind.Struct) => "struct",
        _ => "class",
    };

    private static int NamedInt(AttributeData attribute, string name, int defaultValue) =>
        attribute.NamedArguments.FirstOrDefault(a => a.Key == name).Value.Value is int value ? value : defaultValue;

    private static string PoisonPolicy(AttributeData attribute)
    {
        var argument = attribute.NamedArguments.FirstOrDefault(a => a.Key == "OnPoisonEvent").Value;
        if (argument.Value is not int value)
        {
            return "global::ProjectionGen.PoisonEventPolicy.DeadLetter";
        }

        var member = (argument.Type as INamedTypeSymbol)?.GetMembers()
            .OfType<IFieldSymbol>()
            .FirstOrDefault(f => f.HasConstantValue && f.ConstantValue is int c && c == value);
        return member is null
            ? $"(global::ProjectionGen.PoisonEventPolicy)({value})"
            : $"global::ProjectionGen.PoisonEventPolicy.{member.Name}";
    }
}
