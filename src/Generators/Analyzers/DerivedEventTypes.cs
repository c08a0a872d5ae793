using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Analysis;

namespace ProjectionGen.Generators.Analyzers;

/// <summary>
/// Finds the event types a projection method for a base type would never receive (PGEN018). The daemon reads a
/// projection's events by the stored names of its handled types, and an event is stored under its own concrete type's
/// name, so a method for a base type receives only events stored as exactly that type: every concrete derived type
/// needs a method of the same role. Derived types are looked up in the compilation and in the base type's assembly
/// (where derived event types usually live), among the types the projection can name; types in other assemblies are
/// not seen (docs/generator.md).
/// </summary>
internal sealed class DerivedEventTypes
{
    private const int MaxNamed = 5;

    private readonly Compilation _compilation;
    private readonly ConcurrentDictionary<IAssemblySymbol, ImmutableArray<INamedTypeSymbol>> _typesByAssembly = new(SymbolEqualityComparer.Default);

    /// <summary>Looks in <paramref name="compilation"/> and the assemblies of the base types asked about.</summary>
    public DerivedEventTypes(Compilation compilation) => _compilation = compilation;

    /// <summary>PGEN018 problems of <paramref name="projection"/>'s methods for base event types.</summary>
    public IEnumerable<Diagnostic> Check(INamedTypeSymbol projection, CancellationToken cancellationToken)
    {
        var methods = projection.GetMembers()
            .OfType<IMethodSymbol>()
            .Where(m => m.MethodKind == MethodKind.Ordinary && (m.Name == MethodRoles.Handle || MethodRoles.IsAggregate(m.Name)) && m.Parameters.Length > 0)
            .ToList();
        foreach (var method in methods)
        {
            if (method.Parameters[0].Type is not INamedTypeSymbol { TypeKind: TypeKind.Class, IsSealed: false, IsAbstract: false } eventType)
            {
                continue;
            }

            var handled = methods.Where(m => m.Name == method.Name).Select(m => m.Parameters[0].Type).ToImmutableHashSet(SymbolEqualityComparer.Default);
            var missing = DerivedFrom(eventType, projection, cancellationToken)
                .Where(derived => !handled.Contains(derived))
                .Select(derived => $"'{derived.ToDisplayString(TypeFacts.MessageFormat)}'")
                .OrderBy(name => name, System.StringComparer.Ordinal)
                .ToList();
            if (missing.Count > 0)
            {
                var names = missing.Count <= MaxNamed
                    ? string.Join(", ", missing)
                    : string.Join(", ", missing.Take(MaxNamed)) + $" and {missing.Count - MaxNamed} more";
                yield return Diagnostic.Create(
                    DiagnosticDescriptors.BaseEventType,
                    SignatureChecks.LocationOf(method),
                    SignatureChecks.Display(method),
                    eventType.ToDisplayString(TypeFacts.MessageFormat),
                    $"events of {names}, which derive{(missing.Count == 1 ? "s" : "")} from it, are stored under their own type name and never reach it; add a {method.Name} method for {names} (it may call this one)");
            }
        }
    }

    /// <summary>The concrete, non-generic types deriving from <paramref name="baseType"/> that <paramref name="within"/> can name.</summary>
    private IEnumerable<INamedTypeSymbol> DerivedFrom(INamedTypeSymbol baseType, INamedTypeSymbol within, CancellationToken cancellationToken)
    {
        var assemblies = new List<IAssemblySymbol> { _compilation.Assembly };
        if (!SymbolEqualityComparer.Default.Equals(baseType.ContainingAssembly, _compilation.Assembly))
        {
            assemblies.Add(baseType.ContainingAssembly);
        }

        return assemblies
            .SelectMany(assembly => _typesByAssembly.GetOrAdd(assembly, a => AllTypes(a.GlobalNamespace, cancellationToken)))
            .Where(type => !type.IsAbstract && !type.IsGenericType && TypeFacts.DerivesFrom(type, baseType) && _compilation.IsSymbolAccessibleWithin(type, within));
    }

    private static ImmutableArray<INamedTypeSymbol> AllTypes(INamespaceSymbol root, CancellationToken cancellationToken)
    {
        var types = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = pending.Pop();
            if (current is INamedTypeSymbol { TypeKind: TypeKind.Class } type)
            {
                types.Add(type);
            }

            foreach (var member in current.GetMembers())
            {
                if (member is INamespaceOrTypeSymbol child)
                {
                    pending.Push(child);
                }
            }
        }

        return types.ToImmutable();
    }
}
