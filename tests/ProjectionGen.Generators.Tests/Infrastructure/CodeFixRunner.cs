using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace ProjectionGen.Generators.Tests.Infrastructure;

/// <summary>Applies a code fix in an <see cref="AdhocWorkspace"/>, as the IDE would, without downloading anything.</summary>
internal static class CodeFixRunner
{
    /// <summary>
    /// Reports <paramref name="analyzer"/>'s diagnostics on <paramref name="source"/>, applies the single fix that
    /// <paramref name="provider"/> offers for the single fixable one, and returns the fixed text and the fix's title.
    /// </summary>
    public static async Task<(string Text, string Title)> ApplyAsync(
        DiagnosticAnalyzer analyzer,
        CodeFixProvider provider,
        string source,
        params string[] otherSources)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(),
            VersionStamp.Default,
            "Fix",
            "Fix",
            LanguageNames.CSharp,
            compilationOptions: TestCompilation.Options,
            parseOptions: TestCompilation.ParseOptions,
            metadataReferences: TestCompilation.References));
        var document = workspace.AddDocument(project.Id, "Projection.cs", SourceText.From(source));
        for (var i = 0; i < otherSources.Length; i++)
        {
            document = workspace.AddDocument(project.Id, $"Other{i}.cs", SourceText.From(otherSources[i]));
        }

        document = workspace.CurrentSolution.GetDocument(workspace.CurrentSolution.Projects.Single().DocumentIds[0])!;
        var compilation = (await document.Project.GetCompilationAsync(cancellationToken))!;
        var diagnostics = await compilation.WithAnalyzers([analyzer]).GetAnalyzerDiagnosticsAsync(cancellationToken);
        var diagnostic = Assert.Single(diagnostics, d => provider.FixableDiagnosticIds.Contains(d.Id));

        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), cancellationToken));
        var fix = Assert.Single(actions);
        var operations = await fix.GetOperationsAsync(cancellationToken);
        var changed = Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
        var text = await changed.GetDocument(document.Id)!.GetTextAsync(cancellationToken);
        return (text.ToString(), fix.Title);
    }
}
