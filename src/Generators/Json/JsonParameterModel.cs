namespace ProjectionGen.Generators.Json;

/// <summary>One constructor parameter.</summary>
/// <param name="Name">The parameter name as reflection reports it.</param>
/// <param name="Type">The parameter type, fully qualified.</param>
/// <param name="IsNullable">Whether null is a value of the type (reference or <c>Nullable&lt;T&gt;</c>).</param>
/// <param name="DefaultValue">The default value as a C# expression, or null when the parameter has none.</param>
internal sealed record JsonParameterModel(string Name, string Type, bool IsNullable, string? DefaultValue);
