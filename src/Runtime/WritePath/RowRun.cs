using System.Text;
using Npgsql;
using ProjectionGen.EventStore;

namespace ProjectionGen.WritePath;

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

    /// <summary>Sends the run's rows into <paramref name="table"/> (already resolved and quoted) with one binary COPY, in the connection's open transaction.</summary>
    public async Task CopyAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("COPY ").Append(table).Append(" (");
        AppendColumns(sql);
        await using var importer = await connection.BeginBinaryImportAsync(sql.Append(") FROM STDIN (FORMAT BINARY)").ToString(), cancellationToken).ConfigureAwait(false);
        var columns = Buffer.Columns;
        for (var row = 0; row < Buffer.Count; row++)
        {
            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            for (var c = 0; c < columns.Count; c++)
            {
                await columns[c].WriteAsync(importer, row, cancellationToken).ConfigureAwait(false);
            }
        }

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The one INSERT of the run's rows into <paramref name="table"/> (already resolved and quoted).</summary>
    public NpgsqlBatchCommand ToCommand(string table)
    {
        var sql = new StringBuilder("INSERT INTO ").Append(table).Append(" (");
        AppendColumns(sql);
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

    private void AppendColumns(StringBuilder sql)
    {
        for (var c = 0; c < ColumnNames.Count; c++)
        {
            sql.Append(c == 0 ? "" : ", ").Append(PostgresIdentifier.Parse(ColumnNames[c], $"The column name of {RowType.Name}").Quoted);
        }
    }
}
