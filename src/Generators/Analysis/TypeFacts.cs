using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ProjectionGen.Generators.Analysis;

/// <summary>Small symbol questions shared by the inspectors, answered by name so that no compilation lookup is needed.</summary>
internal static class TypeFacts
{
    /// <summary>Fully qualified names for generated code: <c>global::</c>, no nullable annotations.</summary>
    public static readonly SymbolDisplayFormat QualifiedFormat = SymbolDisplayFormat.FullyQualifiedFormat;

    /// <summary>A namespace for a <c>namespace</c> declaration: dotted, keywords escaped (<c>Shop.@event</c>).</summary>
    public static readonly SymbolDisplayFormat NamespaceFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted);

    /// <summary>Short display for diagnostic messages, e.g. <c>OrderProjection.Handle(OrderPlaced)</c>.</summary>
    public static readonly SymbolDisplayFormat MessageFormat = SymbolDisplayFormat.CSharpShortErrorMessageFormat;

    /// <summary>
    /// The symbol's name as generated code must write it: with <c>@</c> when it is a keyword, reserved or contextual
    /// (<c>@event</c>, <c>@record</c>); <c>@</c> is valid before any identifier.
    /// </summary>
    public static string EscapedName(ISymbol symbol) =>
        SyntaxFacts.GetKeywordKind(symbol.Name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(symbol.Name) != SyntaxKind.None
            ? "@" + symbol.Name
            : symbol.Name;

    /// <summary>Whether <paramref name="type"/> is <c>Namespace.Name</c> (non-generic).</summary>
    public static bool Is(ITypeSymbol type, string containingNamespace, string name) =>
        type is INamedTypeSymbol { Arity: 0 } named
        && named.Name == name
        && named.ContainingType is null
        && named.ContainingNamespace?.ToDisplayString() == containingNamespace;

    /// <summary><c>ProjectionGen.EventMetadata</c>.</summary>
    public static bool IsMetadata(ITypeSymbol type) => Is(type, "ProjectionGen", "EventMetadata");

    /// <summary><c>ProjectionGen.IProjectionWriter</c>.</summary>
    public static bool IsWriter(ITypeSymbol type) => Is(type, "ProjectionGen", "IProjectionWriter");

    /// <summary><c>System.Threading.CancellationToken</c>.</summary>
    public static bool IsCancellationToken(ITypeSymbol type) => Is(type, "System.Threading", "CancellationToken");

    /// <summary>Non-generic <c>Task</c> or <c>ValueTask</c>.</summary>
    public static bool IsAwaitable(ITypeSymbol type) =>
        Is(type, "System.Threading.Tasks", "Task") || Is(type, "System.Threading.Tasks", "ValueTask");

    /// <summary>
    /// Any <c>Task</c> or <c>ValueTask</c> (generic or not) or another awaitable type (one with a parameterless
    /// <c>GetAwaiter()</c> method).
    /// </summary>
    public static bool IsTaskLike(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "Task" or "ValueTask" } named && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks"
        || type.GetMembers("GetAwaiter").OfType<IMethodSymbol>().Any(m => m.Parameters.IsEmpty && !m.IsStatic);

    /// <summary>
    /// A type a <c>case T e:</c> pattern can dispatch on without surprises: a class, record or struct that is not a
    /// nullable value type, a ref struct, or one of the extra parameter types.
    /// </summary>
    public static bool IsEventType(ITypeSymbol type) =>
        type is INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct, IsRefLikeType: false } named
        && named.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T
        && !named.IsUnboundGenericType
        && !IsMetadata(type) && !IsWriter(type) && !IsCancellationToken(type);

    /// <summary>Whether <paramref name="type"/> has <paramref name="baseType"/> among its base classes.</summary>
    public static bool DerivesFrom(ITypeSymbol type, ITypeSymbol baseType)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, baseType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether generated code outside the class (same assembly) may call <c>new T()</c>.</summary>
    public static bool HasAccessibleParameterlessConstructor(INamedTypeSymbol type)
    {
        if (type.IsAbstract || type.IsStatic)
        {
            return false;
        }

        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.Parameters.Length == 0
                && constructor.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal)
            {
                return true;
            }
        }

        return false;
    }
}
