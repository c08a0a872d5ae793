using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using ProjectionGen.Generators.Analysis;

namespace ProjectionGen.Generators.CodeFixes;

/// <summary>
/// Fixes PGEN033 (a multi-stream projection handles an event type that no route covers) by adding an
/// <c>Identity</c> stub for the event type, returning the projection's id type, after its other routes.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddIdentityCodeFixProvider))]
[Shared]
public sealed class AddIdentityCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = "ProjectionGen.AddIdentity";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnroutedEvent.Id);

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var method = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault();
            if (method?.Parent is not TypeDeclarationSyntax projection
                || model.GetDeclaredSymbol(method, context.CancellationToken) is not { Parameters.Length: > 0 } symbol)
            {
                continue;
            }

            var eventType = symbol.Parameters[0].Type.ToMinimalDisplayString(model, method.SpanStart);
            var idType = diagnostic.Properties.TryGetValue(MultiStreamChecks.IdTypeProperty, out var id) && id is not null ? id : "string";
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Add 'Identity({eventType} e)'",
                    cancellationToken => AddIdentityAsync(context.Document, projection, eventType, idType, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> AddIdentityAsync(Document document, TypeDeclarationSyntax projection, string eventType, string idType, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        // After the last existing route (a blank line before it), else first in the class (a blank line after it).
        var lastRoute = projection.Members.OfType<MethodDeclarationSyntax>().LastOrDefault(m => MethodRoles.IsRoute(m.Identifier.ValueText));
        var index = lastRoute is null ? 0 : projection.Members.IndexOf(lastRoute) + 1;
        var stub = (MethodDeclarationSyntax)SyntaxFactory.ParseMemberDeclaration(
            (lastRoute is null ? "" : "\n")
            + $"public static {idType} Identity({eventType} e) => throw new global::System.NotImplementedException(\"Return the id of the document that {eventType} updates.\");\n"
            + (lastRoute is null && projection.Members.Count > 0 ? "\n" : ""))!;
        stub = stub.WithAdditionalAnnotations(Formatter.Annotation, Simplifier.Annotation);

        var fixedProjection = projection.WithMembers(projection.Members.Insert(index, stub));
        var changed = document.WithSyntaxRoot(root.ReplaceNode(projection, fixedProjection));
        changed = await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Formatter.FormatAsync(changed, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
