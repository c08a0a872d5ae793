using System.Text.Json.Serialization.Metadata;

namespace ProjectionGen;

/// <summary>
/// Implemented by every generated projection: the System.Text.Json contracts the generator wrote for the event and
/// document types of the projections of its assembly (docs/generator.md, JSON contracts). The runtime puts them first in
/// the resolver chain of the default serializer options.
/// </summary>
public interface IJsonContractSource
{
    /// <summary>The generated contracts; a type they do not cover is left to the next resolver.</summary>
    IJsonTypeInfoResolver JsonContracts { get; }
}
