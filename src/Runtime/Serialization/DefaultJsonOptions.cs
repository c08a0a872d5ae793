using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ProjectionGen.Serialization;

/// <summary>
/// The JSON options used when an application passes none: web defaults (camelCase names, case-insensitive reads,
/// numbers also read from strings) with reflection-based contracts where reflection is enabled, as before the generated
/// contracts (they measured no faster: docs/benchmarks.md, lever 4), and the generated contracts where it is not, as in
/// a trimmed or AOT application (docs/generator.md, JSON contracts).
/// </summary>
internal static class DefaultJsonOptions
{
    /// <summary>Creates the default options over <paramref name="generated"/> (each resolver once, in order).</summary>
    public static JsonSerializerOptions Create(IEnumerable<IJsonTypeInfoResolver> generated) =>
        JsonSerializer.IsReflectionEnabledByDefault ? new(JsonSerializerDefaults.Web) { TypeInfoResolver = Reflection() } : Generated(generated);

    /// <summary>The web defaults over <paramref name="generated"/> alone: the default of a trimmed or AOT application.</summary>
    public static JsonSerializerOptions Generated(IEnumerable<IJsonTypeInfoResolver> generated) =>
        new(JsonSerializerDefaults.Web) { TypeInfoResolver = JsonTypeInfoResolver.Combine([.. generated.Distinct()]) };

    /// <summary>The generated contracts of <paramref name="projections"/>, each once.</summary>
    public static IEnumerable<IJsonTypeInfoResolver> ContractsOf(IEnumerable<IGeneratedProjection> projections) =>
        projections.OfType<IJsonContractSource>().Select(source => source.JsonContracts).Distinct();

    // Reached only while the feature switch System.Text.Json.JsonSerializer.IsReflectionEnabledByDefault is on; a trimmed
    // or AOT application turns it off (the SDK does so by default), and the trimmer then removes this call.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Guarded by JsonSerializer.IsReflectionEnabledByDefault, a feature switch that is off in trimmed applications.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Guarded by JsonSerializer.IsReflectionEnabledByDefault, a feature switch that is off in AOT applications.")]
    private static DefaultJsonTypeInfoResolver Reflection() => new();
}
