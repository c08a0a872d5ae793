namespace ProjectionGen.Generators.Model;

/// <summary>Everything the emitter needs to implement <c>IProjectionRow&lt;TRow&gt;</c> for one <c>[ProjectionRow]</c> type; value-equatable for caching.</summary>
/// <param name="HintName">The generated file's name.</param>
/// <param name="Namespace">The containing namespace (empty for the global namespace).</param>
/// <param name="ContainingTypes">Declarations of the (partial) containing types, outermost first.</param>
/// <param name="TypeKeyword"><c>class</c>, <c>record</c>, <c>struct</c> or <c>record struct</c>.</param>
/// <param name="ClassName">The type's name as written in its declaration (escaped).</param>
/// <param name="FullyQualifiedName">The type's <c>global::</c> name.</param>
/// <param name="Table">The table name.</param>
/// <param name="Columns">The columns in declaration order.</param>
internal sealed record RowModel(
    string HintName,
    string Namespace,
    EquatableArray<string> ContainingTypes,
    string TypeKeyword,
    string ClassName,
    string FullyQualifiedName,
    string Table,
    EquatableArray<RowColumnModel> Columns);
