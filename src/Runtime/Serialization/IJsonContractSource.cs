using System.Text.Json.Serialization.Metadata;

namespace ProjectionGen;

/// <summary>
/// Implemented by every generated projection: the System.Text.Json contracts the generator wrote for the event and
/// document types of the projections of its assembly (docs/generator.md, JSON contracts). Where reflection-based
/// serialization is disabled (trimmed or AOT applications), the runtime's default serializer options use them.
/// </summary>
public interface IJsonContractSource
{
    /// <summary>The generated contracts; a type they do not cover is left to the next resolver.</summary>
    IJsonTypeInfoResolver JsonContracts { get; }
}
