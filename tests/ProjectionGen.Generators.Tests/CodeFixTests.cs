using ProjectionGen.Generators.Analyzers;
using ProjectionGen.Generators.CodeFixes;
using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>The "make it partial" fix for PGEN001.</summary>
public sealed class CodeFixTests
{
    private const string Events = "namespace Shop.Events; public sealed record OrderPlaced(string OrderId);";

    [Fact]
    public async Task Adds_partial_after_the_existing_modifiers()
    {
        var (text, title) = await Fix("""
            using ProjectionGen;
            using Shop.Events;

            [Projection]
            public sealed class Ledger
            {
                public void Handle(OrderPlaced e) { }
            }
            """);

        Assert.Equal("Make 'Ledger' partial", title);
        Assert.Equal("""
            using ProjectionGen;
            using Shop.Events;

            [Projection]
            public sealed partial class Ledger
            {
                public void Handle(OrderPlaced e) { }
            }
            """, text);
    }

    [Fact]
    public async Task Adds_partial_to_a_class_without_modifiers_keeping_its_indentation()
    {
        var (text, _) = await Fix("""
            using ProjectionGen;
            using Shop.Events;

            namespace Shop
            {
                [Projection]
                class Ledger
                {
                    public void Handle(OrderPlaced e) { }
                }
            }
            """);

        Assert.Equal("""
            using ProjectionGen;
            using Shop.Events;

            namespace Shop
            {
                [Projection]
                partial class Ledger
                {
                    public void Handle(OrderPlaced e) { }
                }
            }
            """, text);
    }

    [Fact]
    public async Task Fixed_source_has_no_diagnostic_left()
    {
        var (text, _) = await Fix("""
            using ProjectionGen;
            using Shop.Events;

            [Projection]
            internal sealed class Ledger
            {
                public void Handle(OrderPlaced e) { }
            }
            """);

        Assert.Empty(await AnalyzerRunner.AnalyzeAsync(Events, text));
    }

    private static Task<(string Text, string Title)> Fix(string source) =>
        CodeFixRunner.ApplyAsync(new ProjectionShapeAnalyzer(), new MakePartialCodeFixProvider(), source, Events);
}
