using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests;

/// <summary>
/// The generated System.Text.Json contracts (docs/generator.md, JSON contracts) write and read byte-identical JSON to
/// the reflection-based contracts of the runtime's default options, for every type of the test projections and the
/// Orders sample; the checker itself fails on a contract that differs.
/// </summary>
public sealed class JsonContractTests
{
    private static readonly Lazy<Assembly> ShapesAssembly = new(() => Compile(JsonContractSources.Shapes));

    public static TheoryData<string> SourceSets => ["samples", "shapes", "json-shapes", "orders"];

    [Theory]
    [MemberData(nameof(SourceSets))]
    public void Every_generated_contract_gives_the_same_json_as_reflection_both_ways(string sources)
    {
        var assembly = sources switch
        {
            "samples" => Compile(SampleSources.All),
            "shapes" => Compile(ShapeSources.All),
            "json-shapes" => ShapesAssembly.Value,
            _ => Compile(OrdersSources()),
        };

        var (types, resolver) = Contracts(assembly);
        Assert.NotEmpty(types);
        var problems = types.SelectMany(type => JsonContractChecker.Check(type, resolver)).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Supported_shapes_get_contracts_and_the_others_are_left_to_the_options_resolver()
    {
        var (types, _) = Contracts(ShapesAssembly.Value);
        var names = types.Select(t => t.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var expected in new[]
                 {
                     "Shapes.Everything", "Shapes.Line", "Shapes.Address", "Shapes.Tier", "System.Nullable`1[Shapes.Tier]", "System.Nullable`1[System.Int32]",
                     "System.Int32[]", "System.Collections.Generic.List`1[Shapes.Line]", "System.Collections.Generic.Dictionary`2[System.String,System.Int32]",
                     "System.Collections.Generic.Dictionary`2[System.String,System.Collections.Generic.List`1[Shapes.Address]]", "Shapes.Renamed",
                     "Shapes.WithPrivateSetter", "Shapes.ByConstructor", "Shapes.ShapeBoard", "Shapes.InitOnly", "Shapes.Point", "Shapes.Derived", "System.Guid", "System.DateOnly", "System.Decimal",
                     "Shapes.BclValues", "Shapes.WithPair", "System.Byte[]", "System.Memory`1[System.Byte]", "System.ReadOnlyMemory`1[System.Byte]",
                     "System.Text.Json.JsonElement", "System.Nullable`1[System.Text.Json.JsonElement]", "System.Text.Json.JsonDocument",
                     "System.Text.Json.Nodes.JsonNode", "System.Text.Json.Nodes.JsonObject", "System.Text.Json.Nodes.JsonArray",
                     "System.Text.Json.Nodes.JsonValue", "System.Int128", "System.UInt128", "System.Nullable`1[System.Int128]", "System.Half",
                     "System.Version", "System.Uri",
                 })
        {
            Assert.Contains(expected, names);
        }

        // A framework type without a converter of JsonMetadataServices is no object contract of the generator.
        foreach (var fallback in new[] { "Shapes.Converted", "Shapes.WithExtension", "Shapes.Child", "Shapes.Parent", "System.Collections.Generic.KeyValuePair`2[System.String,System.Int32]" })
        {
            Assert.DoesNotContain(fallback, names);
        }
    }

    [Fact]
    public async Task Types_left_to_the_options_resolver_are_reported_as_information_with_the_reason()
    {
        var compilation = TestCompilation.Create(JsonContractSources.Shapes);
        var diagnostics = await compilation
            .WithAnalyzers([new Analyzers.JsonContractAnalyzer()])
            .GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);

        Assert.All(diagnostics, d =>
        {
            Assert.Equal("PGEN060", d.Id);
            Assert.Equal(DiagnosticSeverity.Info, d.Severity);
            Assert.Contains("Projection 'shape_board' serializes", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        });
        var messages = diagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(4, messages.Count);
        Assert.Contains(messages, m => m.Contains("'Converted'", StringComparison.Ordinal) && m.Contains("property Tier carries a System.Text.Json attribute", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'WithExtension'", StringComparison.Ordinal) && m.Contains("property Extra", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'Child'", StringComparison.Ordinal) && m.Contains("its base class Parent carries a System.Text.Json attribute", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'KeyValuePair<string, int>'", StringComparison.Ordinal) && m.Contains("a framework type", StringComparison.Ordinal));
        Assert.Contains("PGEN060 | ProjectionGen | Info |", File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "src", "Generators", "AnalyzerReleases.Unshipped.md")), StringComparison.Ordinal);

        // The test projections and the sample serialize nothing the generator leaves to reflection.
        foreach (var sources in new[] { SampleSources.All, ShapeSources.All, OrdersSources() })
        {
            Assert.Empty(await TestCompilation.Create(sources)
                .WithAnalyzers([new Analyzers.JsonContractAnalyzer()])
                .GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public void The_checker_fails_on_a_contract_that_differs_from_reflection()
    {
        var (types, resolver) = Contracts(ShapesAssembly.Value);
        var renamed = types.Single(t => t.Name == "Renamed");
        var line = types.Single(t => t.Name == "Line");
        var address = types.Single(t => t.Name == "Address");
        Assert.Empty(JsonContractChecker.Check(renamed, resolver));

        // Another JSON name, a property that is no longer read, a missing property: each is a different contract.
        var otherName = resolver.WithAddedModifier(info =>
        {
            if (info.Type == renamed)
            {
                info.Properties[0].Name = "value";
            }
        });
        var notRead = resolver.WithAddedModifier(info =>
        {
            if (info.Type == address)
            {
                info.Properties[0].Set = null;
            }
        });
        var missing = resolver.WithAddedModifier(info =>
        {
            if (info.Type == line)
            {
                info.Properties.RemoveAt(2);
            }
        });

        Assert.Contains(JsonContractChecker.Check(renamed, otherName), p => p.Contains("renamed_value", StringComparison.Ordinal));
        Assert.Contains(JsonContractChecker.Check(address, notRead), p => p.Contains("setter", StringComparison.Ordinal));
        Assert.Contains(JsonContractChecker.Check(address, notRead), p => p.Contains("read by generated", StringComparison.Ordinal));
        Assert.Contains(JsonContractChecker.Check(line, missing), p => p.Contains("property count", StringComparison.Ordinal));
        Assert.Contains(JsonContractChecker.Check(line, missing), p => p.Contains("written by generated", StringComparison.Ordinal));
    }

    private static (IReadOnlyList<Type> Types, IJsonTypeInfoResolver Resolver) Contracts(Assembly assembly)
    {
        var contracts = assembly.GetType("ProjectionGen.Generated.GeneratedJsonContracts", throwOnError: true)!;
        return ((IReadOnlyList<Type>)contracts.GetProperty("Types")!.GetValue(null)!, (IJsonTypeInfoResolver)contracts.GetProperty("Resolver")!.GetValue(null)!);
    }

    /// <summary>The Orders sample's events, upcasters and projections, as the sample builds them.</summary>
    private static string[] OrdersSources() =>
        [.. new[] { "Events", "Projections" }
            .SelectMany(folder => Directory.GetFiles(Path.Combine(TestPaths.RepositoryRoot, "samples", "Orders", folder), "*.cs"))
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)];

    private static Assembly Compile(string[] sources)
    {
        var run = GeneratorRun.Of(sources);
        using var image = new MemoryStream();
        var result = run.Output.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(result.Success && problems.Count == 0, "The generated code does not compile cleanly: " + string.Join("; ", problems));
        return Assembly.Load(image.ToArray());
    }

    private static Assembly Compile(string source) => Compile([source]);
}
