using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Analysis;

/// <summary>Reads an aggregate projection's <c>Create</c>, <c>Apply</c> and <c>ShouldDelete</c> methods.</summary>
internal sealed class AggregateMethodReader
{
    private const string CreateShape = "Create takes the event and optionally EventMetadata: 'TDocument Create(TEvent e[, EventMetadata metadata])'";
    private const string ApplyShape = "Apply takes the event, the document and optionally EventMetadata: 'Apply(TEvent e, TDocument doc[, EventMetadata metadata])'";
    private const string ShouldDeleteShape = "ShouldDelete takes the event, optionally the document and optionally EventMetadata: 'bool ShouldDelete(TEvent e[, TDocument doc][, EventMetadata metadata])'";

    private readonly List<Diagnostic> _problems;
    private readonly INamedTypeSymbol? _document;
    private readonly IMethodSymbol? _documentSource;

    private AggregateMethodReader(List<Diagnostic> problems, INamedTypeSymbol? document, IMethodSymbol? documentSource)
    {
        _problems = problems;
        _document = document;
        _documentSource = documentSource;
    }

    /// <summary>
    /// The document type (from the first Create's return type, else the first Apply's document parameter) and the
    /// dispatch entries of the usable methods, in declaration order; problems for the others.
    /// </summary>
    public static (INamedTypeSymbol? Document, List<DispatchEntry> Entries) Read(
        INamedTypeSymbol projection,
        IReadOnlyList<IMethodSymbol> methods,
        List<Diagnostic> problems)
    {
        var source =
            methods.FirstOrDefault(m => m.Name == MethodRoles.Create && IsDocumentClass(m.ReturnType))
            ?? methods.FirstOrDefault(m => m.Name == MethodRoles.Apply && m.Parameters.Length >= 2 && IsDocumentClass(m.Parameters[1].Type));
        var document = source is null
            ? null
            : (INamedTypeSymbol)(source.Name == MethodRoles.Create ? source.ReturnType : source.Parameters[1].Type);
        if (document is null && methods.All(m => m.Name == MethodRoles.ShouldDelete))
        {
            problems.Add(Diagnostic.Create(
                DiagnosticDescriptors.UnknownDocumentType,
                SignatureChecks.LocationOf(projection),
                projection.ToDisplayString(TypeFacts.MessageFormat)));
            return (null, new List<DispatchEntry>());
        }

        var reader = new AggregateMethodReader(problems, document, source);
        var entries = new List<DispatchEntry>();
        var seen = new Dictionary<string, Dictionary<ITypeSymbol, IMethodSymbol>>();
        foreach (var method in methods)
        {
            var call = method.Name switch
            {
                MethodRoles.Create => reader.ReadCreate(method),
                MethodRoles.Apply => reader.ReadApply(method),
                _ => reader.ReadShouldDelete(method),
            };
            if (call is null)
            {
                continue;
            }

            if (!seen.TryGetValue(method.Name, out var ofRole))
            {
                ofRole = new Dictionary<ITypeSymbol, IMethodSymbol>(SymbolEqualityComparer.Default);
                seen.Add(method.Name, ofRole);
            }

            if (SignatureChecks.IsFirstFor(ofRole, method.Parameters[0].Type, method, problems))
            {
                entries.Add(new DispatchEntry(method.Parameters[0].Type, method.Name, call));
            }
        }

        return (document, entries);
    }

    private MethodCall? ReadCreate(IMethodSymbol method)
    {
        if (!SignatureChecks.HasUsableEventParameter(method, _problems))
        {
            return null;
        }

        if (method.Parameters.Length > 2 || (method.Parameters.Length == 2 && !TypeFacts.IsMetadata(method.Parameters[1].Type)))
        {
            SignatureChecks.Unusable(method, CreateShape, _problems);
            return null;
        }

        if (!IsDocumentClass(method.ReturnType) || IsNullable(method.ReturnType))
        {
            return WrongReturn(method, "the document class itself, not nullable and not a task (a document created from the event; aggregate methods run synchronously and are not awaited)");
        }

        if (!IsDocument(method, method.ReturnType))
        {
            return null;
        }

        var arguments = method.Parameters.Length == 2
            ? new[] { ArgumentKind.Event, ArgumentKind.Metadata }
            : new[] { ArgumentKind.Event };
        return new MethodCall(method.Name, new EquatableArray<ArgumentKind>(arguments), IsAwaitable: false, ReturnsDocument: true, method.IsStatic);
    }

    private MethodCall? ReadApply(IMethodSymbol method)
    {
        if (!SignatureChecks.HasUsableEventParameter(method, _problems))
        {
            return null;
        }

        if (method.Parameters.Length is < 2 or > 3
            || !IsDocumentClass(method.Parameters[1].Type)
            || (method.Parameters.Length == 3 && !TypeFacts.IsMetadata(method.Parameters[2].Type)))
        {
            SignatureChecks.Unusable(method, ApplyShape, _problems);
            return null;
        }

        if (!IsDocument(method, method.Parameters[1].Type))
        {
            return null;
        }

        if (!SignatureChecks.IsNotAsyncVoid(method, "aggregate methods run synchronously inside the batch; remove 'async'", _problems))
        {
            return null;
        }

        var returnsDocument = !method.ReturnsVoid;
        if (returnsDocument && (!SymbolEqualityComparer.Default.Equals(method.ReturnType, _document) || IsNullable(method.ReturnType)))
        {
            return WrongReturn(method, $"void (to mutate the document) or a non-nullable '{_document!.ToDisplayString(TypeFacts.MessageFormat)}' (to replace it)");
        }

        var arguments = method.Parameters.Length == 3
            ? new[] { ArgumentKind.Event, ArgumentKind.Document, ArgumentKind.Metadata }
            : new[] { ArgumentKind.Event, ArgumentKind.Document };
        return new MethodCall(method.Name, new EquatableArray<ArgumentKind>(arguments), IsAwaitable: false, returnsDocument, method.IsStatic);
    }

    private MethodCall? ReadShouldDelete(IMethodSymbol method)
    {
        if (!SignatureChecks.HasUsableEventParameter(method, _problems))
        {
            return null;
        }

        var arguments = new List<ArgumentKind> { ArgumentKind.Event };
        var parameters = method.Parameters;
        var next = 1;
        if (next < parameters.Length && !TypeFacts.IsMetadata(parameters[next].Type) && IsDocumentClass(parameters[next].Type))
        {
            if (!IsDocument(method, parameters[next].Type))
            {
                return null;
            }

            arguments.Add(ArgumentKind.Document);
            next++;
        }

        if (next < parameters.Length && TypeFacts.IsMetadata(parameters[next].Type))
        {
            arguments.Add(ArgumentKind.Metadata);
            next++;
        }

        if (next != parameters.Length)
        {
            SignatureChecks.Unusable(method, ShouldDeleteShape, _problems);
            return null;
        }

        if (method.ReturnType.SpecialType != SpecialType.System_Boolean)
        {
            return WrongReturn(method, "bool (true deletes the stream's document)");
        }

        return new MethodCall(method.Name, new EquatableArray<ArgumentKind>(arguments), IsAwaitable: false, ReturnsDocument: false, method.IsStatic);
    }

    private bool IsDocument(IMethodSymbol method, ITypeSymbol type)
    {
        // Without a document type another method already carries the error; there is nothing to compare with.
        if (_document is null || SymbolEqualityComparer.Default.Equals(type, _document))
        {
            return true;
        }

        _problems.Add(Diagnostic.Create(
            DiagnosticDescriptors.MismatchedDocumentType,
            SignatureChecks.LocationOf(method),
            SignatureChecks.Display(method),
            type.ToDisplayString(TypeFacts.MessageFormat),
            _document.ToDisplayString(TypeFacts.MessageFormat),
            _documentSource is null ? "" : SignatureChecks.Display(_documentSource)));
        return false;
    }

    private MethodCall? WrongReturn(IMethodSymbol method, string expected)
    {
        _problems.Add(Diagnostic.Create(
            DiagnosticDescriptors.WrongReturnType,
            SignatureChecks.LocationOf(method),
            SignatureChecks.Display(method),
            method.ReturnType.ToDisplayString(TypeFacts.MessageFormat),
            expected));
        return null;
    }

    // The generated code stores what Create and Apply return; a nullable document would not compile warning-free.
    private static bool IsNullable(ITypeSymbol type) => type.NullableAnnotation == NullableAnnotation.Annotated;

    // A task is never the document: Task<TDocument> from an async Create would otherwise be stored as one.
    private static bool IsDocumentClass(ITypeSymbol type) =>
        type is INamedTypeSymbol { TypeKind: TypeKind.Class, IsStatic: false } && type.SpecialType == SpecialType.None && !TypeFacts.IsTaskLike(type);
}
