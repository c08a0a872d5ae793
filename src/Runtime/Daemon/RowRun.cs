using System.Text;
using Npgsql;
using ProjectionGen.EventStore;

namespace ProjectionGen.Daemon;

/// <summary>
/// A run of consecutive queued rows of one <see cref="IProjectionRow{TRow}"/> type: sent as one
/// <c>INSERT INTO t (c1, …, cn) SELECT * FROM ROWS FROM (pg_catalog.unnest($1), …, pg_catalog.unnest($n))</c> with one
/// array parameter per column, at its place among the batch's other commands.
/// </summary>
internal sealed class RowRun
{
    /// <summary>Starts an empty run.</summary>
    /// <param name="rowType">The row type, which decides whether the next row continues the run.</param>
    /// <param name="table">The table as the row type declares it (resolved at commit).</param>
    /// <param name="columns">The column names, in value order.</param>
    /// <param name="position">How many commands were queued before the run.</param>
    public RowRun(Type rowType, string table, IReadOnlyList<string> columns, int position)
    {
        RowType = rowType;
        Table = table;
        ColumnNames = columns;
        Position = position;
        Buffer = new ProjectionRowBuffer(columns.Count);
    }

    /// <summary>The row type.</summary>
    public Type RowType { get; }

    /// <summary>The table as the row type declares it.</summary>
    public string Table { get; }

    /// <summary>The column names.</summary>
    public IReadOnlyList<string> ColumnNames { get; }

    /// <summary>How many of the writer's commands were queued before the run: it is sent right after them.</summary>
    public int Position { get; }

    /// <summary>The rows' values.</summary>
    public ProjectionRowBuffer Buffer { get; }

    /// <summary>The one INSERT of the run's rows into <paramref name="table"/> (already resolved and quoted).</summary>
    public NpgsqlBatchCommand ToCommand(string table)
    {
        var sql = new StringBuilder("INSERT INTO ").Append(table).Append(" (");
        for (var c = 0; c < ColumnNames.Count; c++)
        {
            sql.Append(c == 0 ? "" : ", ").Append(PostgresIdentifier.Parse(ColumnNames[c], $"The column name of {RowType.Name}").Quoted);
        }

        sql.Append(") SELECT * FROM ROWS FROM (");
        for (var c = 1; c <= ColumnNames.Count; c++)
        {
            sql.Append(c == 1 ? "" : ", ").Append("pg_catalog.unnest($").Append(c.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(')');
        }

        var command = new NpgsqlBatchCommand(sql.Append(')').ToString());
        foreach (var column in Buffer.Columns)
        {
            command.Parameters.Add(column.ToParameter());
        }

        return command;
    }
}
