namespace ProjectionGen.Generators.Model;

/// <summary>The upcasters of one <c>[EventUpcasters]</c> class, for the generator's pipeline.</summary>
/// <param name="Upcasters">The usable upcasters in declaration order (empty when the class has problems).</param>
/// <param name="HasProblems">The class has a problem the analyzer reports; nothing is generated for upcasters then.</param>
internal sealed record UpcasterClassModel(EquatableArray<UpcasterModel> Upcasters, bool HasProblems);
