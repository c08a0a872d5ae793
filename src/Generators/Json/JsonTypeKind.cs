namespace ProjectionGen.Generators.Json;

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
