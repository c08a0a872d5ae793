using System.Reflection;
using Microsoft.CodeAnalysis;
using ProjectionGen.Generators.Tests.Infrastructure;

namespace ProjectionGen.Generators.Tests.Seam;

/// <summary>
/// The sample projections plus their generated code, compiled once into an in-memory assembly and loaded. The tests
/// reach its types by name (test-side reflection; the generated code itself uses none).
/// </summary>
internal static class SampleAssembly
{
    private static readonly Lazy<(GeneratorRun Run, Assembly Assembly)> Compiled = new(Compile);

    /// <summary>The generator run the assembly was compiled from.</summary>
    public static GeneratorRun Run => Compiled.Value.Run;

    /// <summary>The loaded assembly.</summary>
    public static Assembly Assembly => Compiled.Value.Assembly;

    /// <summary>Every projection, created by the generated registration's <c>CreateAll()</c>.</summary>
    public static IReadOnlyList<IGeneratedProjection> CreateAll() =>
        (IReadOnlyList<IGeneratedProjection>)Registration.GetMethod("CreateAll")!.Invoke(null, null)!;

    /// <summary>The generated registration's <c>Descriptors</c>.</summary>
    public static IReadOnlyList<ProjectionDescriptor> Descriptors =>
        (IReadOnlyList<ProjectionDescriptor>)Registration.GetProperty("Descriptors")!.GetValue(null)!;

    /// <summary>The projection named <paramref name="name"/>, freshly created.</summary>
    public static IGeneratedProjection Create(string name) => CreateAll().Single(p => p.Descriptor.Name == name);

    /// <summary>Creates an instance of the sample type <paramref name="typeName"/> (an event or a document).</summary>
    public static object New(string typeName, params object?[] arguments) =>
        Activator.CreateInstance(Assembly.GetType(typeName, throwOnError: true)!, arguments)!;

    private static Type Registration => Assembly.GetType("ProjectionGen.Generated.GeneratedProjections", throwOnError: true)!;

    private static (GeneratorRun, Assembly) Compile()
    {
        var run = GeneratorRun.Of(SampleSources.All);
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
