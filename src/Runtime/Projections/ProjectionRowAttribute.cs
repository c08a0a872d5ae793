namespace ProjectionGen;

/// <summary>
/// Marks a <see langword="partial"/> record or class as one row of an event projection's table. The ProjectionGen source
/// generator implements <see cref="IProjectionRow{TRow}"/> for it: the table, one column per public instance property
/// with a getter (its name in snake_case, or <see cref="ProjectionColumnAttribute"/>'s), and a typed, reflection-free
/// append of each row's values. Queue rows with <see cref="IProjectionWriter.Insert{TRow}(TRow)"/>: at commit each run
/// of consecutive rows of one type is sent as one <c>INSERT … SELECT * FROM unnest(…)</c> (docs/daemon.md, "Writes").
/// </summary>
/// <remarks>
/// Column types: <see cref="short"/>, <see cref="int"/>, <see cref="long"/>, <see cref="bool"/>, <see cref="string"/>,
/// <see cref="decimal"/>, <see cref="double"/>, <see cref="float"/>, <see cref="Guid"/>, <see cref="DateTime"/>,
/// <see cref="DateTimeOffset"/>, <see cref="DateOnly"/>, <c>byte[]</c> and their nullable forms; anything else is an
/// analyzer error (PGEN052).
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class ProjectionRowAttribute : Attribute
{
    /// <summary>Marks a row of <paramref name="table"/>: lowercase letters, digits and underscores, starting with a letter or underscore, at most 63 characters.</summary>
    public ProjectionRowAttribute(string table) => Table = table;

    /// <summary>The table the rows are inserted into (unqualified: the connection's search path decides its schema).</summary>
    public string Table { get; }
}
