using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Json;

/// <summary>Everything of the one contracts file: the projections, ordered, and the distinct types, ordered by name.</summary>
/// <param name="Projections">The projections that hand the contracts to the runtime.</param>
/// <param name="Types">The types with a generated contract.</param>
internal sealed record JsonContractRegistry(EquatableArray<JsonProjectionRef> Projections, EquatableArray<JsonTypeModel> Types);
