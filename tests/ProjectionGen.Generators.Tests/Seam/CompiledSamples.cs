using System.Reflection;
using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests.Seam;

/// <summary>
/// Test sources plus their generated code, compiled into an in-memory assembly and loaded. The tests reach its types
/// by name (test-side reflection; the generated code itself uses none).
/// </summary>
internal sealed class CompiledSamples
{
    private readonly Lazy<(GeneratorRun Run, Assembly Assembly)> compiled;

    public CompiledSamples(Func<string[]> sources) => compiled = new(() => Compile(sources()));

    /// <summary>The shape samples.</summary>
    public static CompiledSamples Shapes { get; } = new(() => ShapeSources.All);

    /// <summary>The generator run the assembly was compiled from.</summary>
    public GeneratorRun Run => compiled.Value.Run;

    /// <summary>The loaded assembly.</summary>
    public Assembly Assembly => compiled.Value.Assembly;

    /// <summary>Every projection, created by the generated registration's <c>CreateAll()</c>.</summary>
    public IReadOnlyList<IGeneratedProjection> CreateAll() =>
        (IReadOnlyList<IGeneratedProjection>)Generated("GeneratedProjections").GetMethod("CreateAll")!.Invoke(null, null)!;

    /// <summary>The generated <c>GeneratedUpcasters.All</c>.</summary>
    public IReadOnlyList<EventUpcaster> Upcasters =>
        (IReadOnlyList<EventUpcaster>)Generated("GeneratedUpcasters").GetProperty("All")!.GetValue(null)!;

    /// <summary>The projection named <paramref name="name"/>, freshly created.</summary>
    public IGeneratedProjection Create(string name) => CreateAll().Single(p => p.Descriptor.Name == name);

    /// <summary>The sample type <paramref name="typeName"/>.</summary>
    public Type Type(string typeName) => Assembly.GetType(typeName, throwOnError: true)!;

    /// <summary>Creates an instance of the sample type <paramref name="typeName"/> (an event or a document).</summary>
    public object New(string typeName, params object?[] arguments) => Activator.CreateInstance(Type(typeName), arguments)!;

    private Type Generated(string name) => Assembly.GetType("ProjectionGen.Generated." + name, throwOnError: true)!;

    private static (GeneratorRun, Assembly) Compile(string[] sources)
    {
        var run = GeneratorRun.Of(sources);
        using var image = new MemoryStream();
        var result = run.Output.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (!result.Success || problems.Count > 0)
        {
            throw new InvalidOperationException("The generated code does not compile cleanly: " + string.Join("; ", problems));
        }

        return (run, Assembly.Load(image.ToArray()));
    }
}
