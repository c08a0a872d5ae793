using System.Reflection;
using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>
/// The names the generator writes never clash with the user's members and survive keywords. Each source is
/// generated, compiled (no error, no warning) and loaded, and its registration is asked for the descriptors.
/// </summary>
public sealed class GeneratedNameTests
{
    private const string Usings = """
        using ProjectionGen;
        using Shop.Events;

        """;

    [Fact]
    public void A_user_member_named_ProjectionDescriptor_does_not_clash_with_the_generated_descriptor()
    {
        var assembly = CompileAndLoad(Usings + """
            namespace Shop.Projections;

            [Projection("own_member")]
            public sealed partial class OwnMemberProjection
            {
                public string ProjectionDescriptor => "the user's own";

                public void Handle(OrderPlaced e) { }
            }

            [Projection("own_nested_type")]
            public sealed partial class OwnNestedTypeProjection
            {
                public static class ProjectionDescriptor
                {
                    public const string Value = "the user's own type";
                }

                public void Handle(ItemAdded e) { }
            }

            [Projection("free")]
            public sealed partial class FreeProjection
            {
                public void Handle(ItemAdded e) { }
            }
            """);

        Assert.Equal(["free", "own_member", "own_nested_type"], Descriptors(assembly).Select(d => d.Name));
        Assert.Equal(["free", "own_member", "own_nested_type"], CreateAll(assembly).Select(p => p.Descriptor.Name));
        Assert.Equal(Descriptors(assembly), CreateAll(assembly).Select(p => p.Descriptor));
        var own = CreateAll(assembly)[1];
        Assert.Equal("the user's own", own.GetType().GetProperty("ProjectionDescriptor")!.GetValue(own));

        // The public static ProjectionDescriptor stays where the name is free.
        var free = assembly.GetType("Shop.Projections.FreeProjection", throwOnError: true)!;
        Assert.Same(Descriptors(assembly)[0], free.GetProperty("ProjectionDescriptor", BindingFlags.Public | BindingFlags.Static)!.GetValue(null));
    }

    [Fact]
    public void A_projection_deriving_from_a_projection_has_its_own_descriptor_and_hides_nothing()
    {
        var assembly = CompileAndLoad(Usings + """
            namespace Shop.Projections;

            [Projection("base_ledger")]
            public partial class BaseLedger
            {
                public void Handle(OrderPlaced e) { }
            }

            [Projection("derived_ledger")]
            public sealed partial class DerivedLedger : BaseLedger
            {
                public void Handle(ItemAdded e) { }
            }
            """);

        Assert.Equal(["base_ledger", "derived_ledger"], Descriptors(assembly).Select(d => d.Name));
        Assert.Equal(["base_ledger", "derived_ledger"], CreateAll(assembly).Select(p => p.Descriptor.Name));
        Assert.Equal(Descriptors(assembly), CreateAll(assembly).Select(p => p.Descriptor));
    }

    [Fact]
    public void A_projection_deriving_from_a_compiled_projection_whose_internals_it_sees_compiles_without_warnings()
    {
        // Assembly A's generated code (descriptor field, registration) is visible to B, which has projections too.
        var baseAssembly = GeneratorRun.Of(SampleSources.Events, Usings + """
            [assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Derived")]

            namespace Shop.Base;

            [Projection("base_ledger")]
            public partial class BaseLedger
            {
                public void Handle(OrderPlaced e) { }
            }
            """);
        using var image = new MemoryStream();
        Assert.True(baseAssembly.Output.Emit(image, cancellationToken: TestContext.Current.CancellationToken).Success);
        var derived = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            "Derived",
            [TestCompilation.Parse(Usings + """
                namespace Shop.Derived;

                [Projection("derived_ledger")]
                public sealed partial class DerivedLedger : Shop.Base.BaseLedger
                {
                    public void Handle(ItemAdded e) { }
                }

                [Projection("other_ledger")]
                public sealed partial class OtherLedger
                {
                    public void Handle(ItemAdded e) { }
                }
                """, "Derived.cs")],
            [.. TestCompilation.References, MetadataReference.CreateFromImage(image.ToArray())],
            TestCompilation.Options);

        var run = GeneratorRun.Over(GeneratorRun.CreateDriver(), derived);

        Assert.Empty(run.Output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains("internal static new readonly", run.Source("Shop.Derived.DerivedLedger.g.cs"));
        Assert.DoesNotContain("public static global::ProjectionGen.ProjectionDescriptor ProjectionDescriptor", run.Source("Shop.Derived.DerivedLedger.g.cs"));
    }

    [Fact]
    public async Task Namespaces_types_and_parameters_named_with_keywords_are_escaped()
    {
        var assembly = CompileAndLoad("""
            #pragma warning disable CS8981 // lower-case type names: keywords, on purpose
            using ProjectionGen;

            namespace Shop.@event.@namespace
            {
                public sealed record @object(string Text);

                public sealed class @string
                {
                    public int Count { get; set; }
                }

                public partial class @class
                {
                    [Projection("keyword_ledger")]
                    public sealed partial class @event
                    {
                        public System.Collections.Generic.List<string> Log { get; } = new();

                        public void Handle(@object @event, EventMetadata @in) => Log.Add($"{@event.Text} at {@in.Sequence}");
                    }

                    [Projection("keyword_aggregate")]
                    public sealed partial class @operator
                    {
                        public static @string Create(@object @event) => new() { Count = 1 };

                        public static void Apply(@object @event, @string @base) => @base.Count++;
                    }
                }
            }
            """);

        Assert.Equal(["keyword_ledger", "keyword_aggregate"], Descriptors(assembly).Select(d => d.Name));
        var ledger = CreateAll(assembly)[0];
        var log = new List<string>();
        var batch = new Seam.InMemoryBatch(log).Add("s1", Activator.CreateInstance(assembly.GetType("Shop.event.namespace.object", throwOnError: true)!, "hello")!);
        await ledger.RunBatchAsync(batch, TestContext.Current.CancellationToken);
        Assert.Equal(["hello at 1"], (List<string>)ledger.GetType().GetProperty("Log")!.GetValue(ledger)!);
        Assert.Equal(["commit"], log);
    }

    /// <summary>Generates, compiles (failing on any error or warning) and loads <paramref name="source"/> with the sample events.</summary>
    private static Assembly CompileAndLoad(string source)
    {
        var run = GeneratorRun.Of(SampleSources.Events, source);
        Assert.Empty(run.GeneratorDiagnostics);
        using var image = new MemoryStream();
        var result = run.Output.Emit(image, cancellationToken: TestContext.Current.CancellationToken);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(result.Success && problems.Count == 0, "The generated code does not compile cleanly:\n" + string.Join("\n", problems));
        return Assembly.Load(image.ToArray());
    }

    private static Type Registration(Assembly assembly) => assembly.GetType("ProjectionGen.Generated.GeneratedProjections", throwOnError: true)!;

    private static IReadOnlyList<ProjectionDescriptor> Descriptors(Assembly assembly) =>
        (IReadOnlyList<ProjectionDescriptor>)Registration(assembly).GetProperty("Descriptors")!.GetValue(null)!;

    private static IReadOnlyList<IGeneratedProjection> CreateAll(Assembly assembly) =>
        (IReadOnlyList<IGeneratedProjection>)Registration(assembly).GetMethod("CreateAll")!.Invoke(null, null)!;
}
