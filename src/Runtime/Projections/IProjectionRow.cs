namespace ProjectionGen;

/// <summary>
/// A row type that <see cref="IProjectionWriter.Insert{TRow}(TRow)"/> can queue. The ProjectionGen source generator
/// implements it for every <see cref="ProjectionRowAttribute"/> type; the static members make the dispatch a plain
/// generic call, without a lookup or reflection.
/// </summary>
/// <typeparam name="TRow">The row type itself.</typeparam>
public interface IProjectionRow<TRow> where TRow : IProjectionRow<TRow>
{
    /// <summary>The table the rows are inserted into (unqualified).</summary>
    static abstract string TableName { get; }

    /// <summary>The column names, in the order <see cref="Append"/> adds the values.</summary>
    static abstract IReadOnlyList<string> ColumnNames { get; }

    /// <summary>Adds the values of <paramref name="row"/>, one per column and in column order, to <paramref name="buffer"/>.</summary>
    static abstract void Append(TRow row, ProjectionRowBuffer buffer);
}
