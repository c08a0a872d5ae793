using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ProjectionGen.Generators.Tests.Infrastructure;

/// <summary>Compilations of test sources against packaged .NET 10 reference assemblies and the ProjectionGen runtime.</summary>
internal static class TestCompilation
{
    /// <summary>The parse options of every test source.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>A library with nullable reference types enabled, like the users' projects.</summary>
    public static readonly CSharpCompilationOptions Options = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable);

    /// <summary>.NET 10 reference assemblies (from a package, never downloaded) plus the runtime assembly.</summary>
    public static readonly IReadOnlyList<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(ProjectionAttribute).Assembly.Location),
    ];

    /// <summary>Compiles <paramref name="sources"/> (file names Source0.cs, Source1.cs, ...).</summary>
    public static CSharpCompilation Create(params string[] sources) =>
        CSharpCompilation.Create(
            "ProjectionGen.Samples",
            sources.Select((source, i) => Parse(source, $"Source{i}.cs")),
            References,
            Options);

    /// <summary>Parses one source with the test parse options.</summary>
    public static SyntaxTree Parse(string source, string path) => CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    /// <summary>
    /// <paramref name="compilation"/> with <paramref name="oldText"/> replaced by <paramref name="newText"/> in the one
    /// tree that contains <paramref name="marker"/> (asserting that the tree contains the old text).
    /// </summary>
    public static Compilation Replace(Compilation compilation, string marker, string oldText, string newText)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.ToString().Contains(marker, StringComparison.Ordinal));
        Xunit.Assert.Contains(oldText, tree.ToString(), StringComparison.Ordinal);
        return compilation.ReplaceSyntaxTree(tree, Parse(tree.ToString().Replace(oldText, newText, StringComparison.Ordinal), tree.FilePath));
    }
}
