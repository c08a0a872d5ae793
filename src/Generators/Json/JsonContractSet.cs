using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Json;

/// <summary>The contracts one projection needs: its event and document types and what their properties reach.</summary>
/// <param name="Projection">The projection.</param>
/// <param name="Types">Every type with a generated contract.</param>
/// <param name="Fallbacks">Every type reached that keeps the options' resolver.</param>
internal sealed record JsonContractSet(
    JsonProjectionRef Projection,
    EquatableArray<JsonTypeModel> Types,
    EquatableArray<JsonFallback> Fallbacks);
