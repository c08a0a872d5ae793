namespace ProjectionGen.Generators.Json;

using ProjectionGen.Generators.Model;

/// <summary>How a generated JSON contract is built (docs/generator.md, JSON contracts).</summary>
internal enum JsonTypeKind
{
    /// <summary>A built-in value converter: <c>JsonMetadataServices.{Converter}</c>.</summary>
    Value,

    /// <summary>An enum: <c>JsonMetadataServices.GetEnumConverter</c>.</summary>
    Enum,

    /// <summary><c>Nullable&lt;T&gt;</c> of a value or enum: <c>JsonMetadataServices.GetNullableConverter</c>.</summary>
    Nullable,

    /// <summary>A single-dimensional array.</summary>
    Array,

    /// <summary><c>List&lt;T&gt;</c>.</summary>
    List,

    /// <summary><c>Dictionary&lt;string, T&gt;</c>.</summary>
    Dictionary,

    /// <summary>A class of public properties, made through a parameterless or a single public constructor.</summary>
    Object,

    /// <summary>A struct of public properties, made like a class (or as <c>default</c> without a declared constructor).</summary>
    Struct,
}

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

/// <summary>One constructor parameter.</summary>
/// <param name="Name">The parameter name as reflection reports it.</param>
/// <param name="Type">The parameter type, fully qualified.</param>
/// <param name="IsNullable">Whether null is a value of the type (reference or <c>Nullable&lt;T&gt;</c>).</param>
/// <param name="DefaultValue">The default value as a C# expression, or null when the parameter has none.</param>
internal sealed record JsonParameterModel(string Name, string Type, bool IsNullable, string? DefaultValue);

/// <summary>A type left to the options' own resolver, and why (reported by the analyzer as information).</summary>
/// <param name="Type">The type as shown in messages.</param>
/// <param name="Reason">Why its contract is not generated.</param>
internal sealed record JsonFallback(string Type, string Reason);

/// <summary>A projection class that hands the contracts to the runtime (<c>IJsonContractSource</c>).</summary>
/// <param name="Namespace">The projection's namespace (empty for the global namespace).</param>
/// <param name="ClassName">The projection class name (escaped).</param>
/// <param name="ContainingTypes">Declarations of the (partial) containing types, outermost first.</param>
/// <param name="TypeKeyword"><c>class</c> or <c>record</c>.</param>
internal sealed record JsonProjectionRef(string Namespace, string ClassName, EquatableArray<string> ContainingTypes, string TypeKeyword);

/// <summary>The contracts one projection needs: its event and document types and what their properties reach.</summary>
/// <param name="Projection">The projection.</param>
/// <param name="Types">Every type with a generated contract.</param>
/// <param name="Fallbacks">Every type reached that keeps the options' resolver.</param>
internal sealed record JsonContractSet(
    JsonProjectionRef Projection,
    EquatableArray<JsonTypeModel> Types,
    EquatableArray<JsonFallback> Fallbacks);

/// <summary>Everything of the one contracts file: the projections, ordered, and the distinct types, ordered by name.</summary>
/// <param name="Projections">The projections that hand the contracts to the runtime.</param>
/// <param name="Types">The types with a generated contract.</param>
internal sealed record JsonContractRegistry(EquatableArray<JsonProjectionRef> Projections, EquatableArray<JsonTypeModel> Types);
