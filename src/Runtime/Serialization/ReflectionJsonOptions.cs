using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ProjectionGen.Serialization;

/// <summary>
/// The JSON options used when an application passes none: web defaults with reflection-based contracts. Trimmed or
/// AOT applications pass options whose resolver is a <c>JsonSerializerContext</c> instead.
/// </summary>
internal static class ReflectionJsonOptions
{
    /// <summary>Creates the default options, or explains which setting to use when reflection is disabled.</summary>
    /// <param name="settingName">The setting that takes a <c>JsonSerializerContext</c>, named in the error.</param>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reflection serialization is the opt-out default; trimmed applications pass their own options.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reflection serialization is the opt-out default; AOT applications pass their own options.")]
    public static JsonSerializerOptions Create(string settingName)
    {
        if (!JsonSerializer.IsReflectionEnabledByDefault)
        {
            throw new ArgumentException(
                $"Reflection-based JSON serialization is disabled in this application: set {settingName} with a JsonSerializerContext as TypeInfoResolver.",
                settingName);
        }

        return new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
    }
}
