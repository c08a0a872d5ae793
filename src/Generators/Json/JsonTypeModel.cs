using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Json;

/// <summary>One type's contract, as strings only, so the pipeline compares it by value.</summary>
/// <param name="Type">The type, fully qualified.</param>
/// <param name="Kind">How the contract is built.</param>
/// <param name="Converter">For <see cref="JsonTypeKind.Value"/>, the <c>JsonMetadataServices</c> converter property.</param>
/// <param name="Element">The element type (arrays, lists, dictionary values) or the underlying type (nullables).</param>
/// <param name="Properties">For objects, the serialized properties in declaration order.</param>
/// <param name="Parameters">For objects made through a parameterized constructor, its parameters in order.</param>
internal sealed record JsonTypeModel(
    string Type,
    JsonTypeKind Kind,
    string? Converter,
    string? Element,
    EquatableArray<JsonPropertyModel> Properties,
    EquatableArray<JsonParameterModel> Parameters)
{
    /// <summary>Made through a parameterized constructor rather than a parameterless one.</summary>
    public bool HasParameterizedConstructor => Parameters.Count > 0;
}
