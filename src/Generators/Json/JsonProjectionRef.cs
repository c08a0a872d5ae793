using ProjectionGen.Generators.Model;

namespace ProjectionGen.Generators.Json;

/// <summary>A projection class that hands the contracts to the runtime (<c>IJsonContractSource</c>).</summary>
/// <param name="Namespace">The projection's namespace (empty for the global namespace).</param>
/// <param name="ClassName">The projection class name (escaped).</param>
/// <param name="ContainingTypes">Declarations of the (partial) containing types, outermost first.</param>
/// <param name="TypeKeyword"><c>class</c> or <c>record</c>.</param>
internal sealed record JsonProjectionRef(string Namespace, string ClassName, EquatableArray<string> ContainingTypes, string TypeKeyword);
