using ProjectionGen.Generators.Analyzers;
using ProjectionGen.Generators.CodeFixes;
using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>The "add a missing Identity stub" fix for PGEN033.</summary>
public sealed class AddIdentityCodeFixTests
{
    private const string Events = """
        namespace Shop.Events;

        public sealed record OrderPlaced(string Customer);
        public sealed record ItemAdded(string Sku);
        public sealed class Summary { public int Count { get; set; } }
        """;

    [Fact]
    public async Task Adds_an_Identity_stub_of_the_projections_id_type_after_its_routes()
    {
        var (text, title) = await Fix("""
            using System;
            using ProjectionGen;
            using Shop.Events;

            [Projection]
            public sealed partial class Totals
            {
                public static Guid Identity(OrderPlaced e) => Guid.Empty;

                public static void Apply(OrderPlaced e, Summary s) => s.Count++;

                public static void Apply(ItemAdded e, Summary s) => s.Count++;
            }
            """);

        Assert.Equal("Add 'Identity(ItemAdded e)'", title);
        Assert.Equal("""
            using System;
            using ProjectionGen;
            using Shop.Events;

            [Projection]
            public sealed partial class Totals
            {
                public static Guid Identity(OrderPlaced e) => Guid.Empty;

                public static Guid Identity(ItemAdded e) => throw new NotImplementedException("Return the id of the document that ItemAdded updates.");

                public static void Apply(OrderPlaced e, Summary s) => s.Count++;

                public static void Apply(ItemAdded e, Summary s) => s.Count++;
            }
            """, text);
    }

    [Fact]
    public async Task Qualifies_what_the_file_does_not_import()
    {
        var (text, _) = await Fix("""
            namespace Shop.Projections
            {
                [ProjectionGen.Projection]
                public sealed partial class Totals
                {
                    public static System.Collections.Generic.IEnumerable<long> Identities(Shop.Events.OrderPlaced e) => new long[] { 1 };

                    public static void Apply(Shop.Events.OrderPlaced e, Shop.Events.Summary s) => s.Count++;

                    public static void Apply(Shop.Events.ItemAdded e, Shop.Events.Summary s) => s.Count++;
                }
            }
            """);

        Assert.Contains(
            "Identities(Shop.Events.OrderPlaced e) => new long[] { 1 };\n\n        public static long Identity(Events.ItemAdded e) => throw new System.NotImplementedException(\"Return the id of the document that Events.ItemAdded updates.\");\n\n",
            text.ReplaceLineEndings("\n"),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_usable_id_type_the_stub_returns_string()
    {
        var (text, _) = await Fix("""
            using ProjectionGen;
            using Shop.Events;

            [Projection]
            public sealed partial class Totals
            {
                public static int? Identity(OrderPlaced e) => 1;

                public static void Apply(OrderPlaced e, Summary s) => s.Count++;

                public static void Apply(ItemAdded e, Summary s) => s.Count++;
            }
            """);

        Assert.Contains("""
                public static int? Identity(OrderPlaced e) => 1;

                public static string Identity(ItemAdded e) => throw new System.NotImplementedException("Return the id of the document that ItemAdded updates.");

                public static void Apply(OrderPlaced e, Summary s) => s.Count++;
            """, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fixed_source_has_only_the_stub_left_to_fill_in()
    {
        var (text, _) = await Fix("""
            using ProjectionGen;
            using Shop.Events;

            [Projection]
            public sealed partial class Totals
            {
                public static string Identity(OrderPlaced e) => e.Customer;

                public static void Apply(OrderPlaced e, Summary s) => s.Count++;

                public static void Apply(ItemAdded e, Summary s) => s.Count++;
            }
            """);

        Assert.Empty(await AnalyzerRunner.AnalyzeAsync(Events, text));
        Assert.Contains("public static string Identity(ItemAdded e) =>", text, StringComparison.Ordinal);
    }

    private static Task<(string Text, string Title)> Fix(string source) =>
        CodeFixRunner.ApplyAsync(new ProjectionShapeAnalyzer(), new AddIdentityCodeFixProvider(), source, Events);
}
