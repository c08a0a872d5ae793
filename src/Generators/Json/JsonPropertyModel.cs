namespace ProjectionGen.Generators.Json;

/// <summary>One serialized property.</summary>
/// <param name="Name">The CLR name (escaped for code where needed).</param>
/// <param name="ClrName">The CLR name as reflection reports it (the contract's PropertyName).</param>
/// <param name="Type">The property type, fully qualified.</param>
/// <param name="JsonName">The <c>[JsonPropertyName]</c>, or null for the naming policy.</param>
/// <param name="HasPublicSetter">Whether it has a public setter (reflection's contract then has one too).</param>
/// <param name="IsInitOnly">Whether that setter is <c>init</c>: the contract calls it through an <c>UnsafeAccessor</c>, as reflection does.</param>
/// <param name="IsVirtual">Whether the property is virtual.</param>
/// <param name="DeclaringType">The type that declares it, fully qualified (a base class for inherited properties).</param>
internal sealed record JsonPropertyModel(string Name, string ClrName, string Type, string? JsonName, bool HasPublicSetter, bool IsInitOnly, bool IsVirtual, string DeclaringType);
