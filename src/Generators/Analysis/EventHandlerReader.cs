using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Analysis;

/// <summary>Reads an event projection's <c>Handle</c> methods.</summary>
internal static class EventHandlerReader
{
    /// <summary>The dispatch entries of the usable handlers, in declaration order; problems for the others.</summary>
    public static List<DispatchEntry> Read(IEnumerable<IMethodSymbol> handlers, List<Diagnostic> problems)
    {
        var entries = new List<DispatchEntry>();
        var seen = new Dictionary<ITypeSymbol, IMethodSymbol>(SymbolEqualityComparer.Default);
        foreach (var method in handlers)
        {
            if (ReadOne(method, problems) is { } call && SignatureChecks.IsFirstFor(seen, method.Parameters[0].Type, method, problems))
            {
                entries.Add(new DispatchEntry(method.Parameters[0].Type, MethodRoles.Handle, call));
            }
        }

        return entries;
    }

    private static MethodCall? ReadOne(IMethodSymbol method, List<Diagnostic> problems)
    {
        if (!SignatureChecks.HasUsableEventParameter(method, problems))
        {
            return null;
        }

        var arguments = new List<ArgumentKind> { ArgumentKind.Event };
        for (var i = 1; i < method.Parameters.Length; i++)
        {
            var parameter = method.Parameters[i];
            ArgumentKind? kind =
                TypeFacts.IsMetadata(parameter.Type) ? ArgumentKind.Metadata
                : TypeFacts.IsWriter(parameter.Type) ? ArgumentKind.Writer
                : TypeFacts.IsCancellationToken(parameter.Type) ? ArgumentKind.CancellationToken
                : null;
            if (kind is null)
            {
                SignatureChecks.Unusable(
                    method,
                    $"parameter '{parameter.Name}' of type '{parameter.Type.ToDisplayString(TypeFacts.MessageFormat)}' is not EventMetadata, IProjectionWriter or CancellationToken; remove it",
                    problems);
                return null;
            }

            if (arguments.Contains(kind.Value))
            {
                SignatureChecks.Unusable(method, $"it takes {kind.Value} twice; remove parameter '{parameter.Name}'", problems);
                return null;
            }

            arguments.Add(kind.Value);
        }

        if (!SignatureChecks.IsNotAsyncVoid(method, "return Task or ValueTask instead (the generated code awaits it before the commit)", problems))
        {
            return null;
        }

        var awaitable = TypeFacts.IsAwaitable(method.ReturnType);
        if (!method.ReturnsVoid && !awaitable)
        {
            SignatureChecks.Unusable(
                method,
                $"a Handle method must return void, Task or ValueTask, not '{method.ReturnType.ToDisplayString(TypeFacts.MessageFormat)}'; change its return type",
                problems);
            return null;
        }

        return new MethodCall(method.Name, new EquatableArray<ArgumentKind>(arguments), awaitable, ReturnsDocument: false, method.IsStatic);
    }
}
