namespace ProjectionGen.Generators.Model;

/// <summary>One column of a <c>[ProjectionRow]</c> type.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Property">The property as generated code writes it (escaped).</param>
internal sealed record RowColumnModel(string Name, string Property);
