using Npgsql;
using ProjectionGen.EventStore;

namespace ProjectionGen.WritePath;

/// <summary>Collects an event projection's commands for the batch's commit round trip.</summary>
/// <param name="projection">The projection's name, for messages.</param>
/// <param name="tables">
/// The declared tables mapped to the quoted physical copies of the batch's generation (docs/versions.md, "Event
/// projections"); <see langword="null"/> when the projection declares none.
/// </param>
internal sealed class BatchWriter(string projection = "", IReadOnlyDictionary<string, string>? tables = null) : IProjectionWriter
{
    private readonly List<NpgsqlBatchCommand> commands = [];
    private readonly List<ArrayColumn[]?> columns = [];
    private readonly List<RowRun> runs = [];

    /// <summary>The queued commands, in the order the handlers queued them.</summary>
    public IReadOnlyList<NpgsqlBatchCommand> Commands => commands;

    /// <summary>
    /// The commands to send: with <paramref name="group"/>, each run of identical single-row INSERTs as one grouped
    /// INSERT (<see cref="InsertGrouping"/>); otherwise <see cref="Commands"/> as queued.
    /// </summary>
    public IEnumerable<NpgsqlBatchCommand> CommitCommands(bool group)
    {
        if (runs.Count == 0)
        {
            return group && commands.Count > 1 ? InsertGrouping.Group(commands, columns, []) : commands;
        }

        return CommitSequence(group, int.MaxValue).Select(step => step.Command!);
    }

    /// <summary>Whether a run holds at least <paramref name="copyThreshold"/> rows, so <see cref="CommitSequence"/> has a run to copy.</summary>
    public bool HasCopyRuns(int copyThreshold) => runs.Exists(r => r.Buffer.Count >= copyThreshold);

    /// <summary>
    /// The commit in queue order: each step either a command to send in a batch or a run of rows to send with binary
    /// COPY (a run of at least <paramref name="copyThreshold"/> rows); every other run of rows is one unnest INSERT command.
    /// </summary>
    public IEnumerable<(NpgsqlBatchCommand? Command, RowRun? Copy)> CommitSequence(bool group, int copyThreshold)
    {
        var shapes = new Dictionary<(string Sql, int Parameters), string?>();
        var start = 0;
        foreach (var run in runs)
        {
            if (run.Buffer.Count == 0)
            {
                continue;
            }

            foreach (var command in Segment(start, run.Position, group, shapes))
            {
                yield return (command, null);
            }

            yield return run.Buffer.Count >= copyThreshold ? (null, run) : (run.ToCommand(ResolveRowTable(run.Table)), null);
            start = run.Position;
        }

        foreach (var command in Segment(start, commands.Count, group, shapes))
        {
            yield return (command, null);
        }
    }

    /// <summary>How many rows <see cref="Insert{TRow}(TRow)"/> queued.</summary>
    public int RowCount => runs.Sum(r => r.Buffer.Count);

    /// <summary>
    /// Queues <paramref name="row"/>: consecutive rows of one type (with no other command between them) become one run,
    /// sent as one INSERT of all its rows at its place among the other commands.
    /// </summary>
    public void Insert<TRow>(TRow row) where TRow : IProjectionRow<TRow>
    {
        if (runs.Count == 0 || runs[^1].Position != commands.Count || runs[^1].RowType != typeof(TRow))
        {
            // Resolved here too, so a row table the projection does not declare fails in the handler that queued it.
            _ = ResolveRowTable(TRow.TableName);
            runs.Add(new RowRun(typeof(TRow), TRow.TableName, TRow.ColumnNames, commands.Count));
        }

        var buffer = runs[^1].Buffer;
        try
        {
            TRow.Append(row, buffer);
        }
        catch
        {
            buffer.Discard();
            throw;
        }

        buffer.EndRow();
    }

    /// <summary>
    /// The table a row type's rows go to, quoted for SQL text. A projection that declares its tables
    /// (<see cref="ProjectionAttribute.Tables"/>) writes its rows to the batch's generation's copy through
    /// <see cref="Resolve"/>, so a row table it does not declare is refused like <c>writer.Table</c>; one that declares
    /// none writes the row type's table as named (docs/daemon.md, "Writes: typed rows"; docs/versions.md).
    /// </summary>
    /// <param name="declared">The table the row type declares.</param>
    internal string ResolveRowTable(string declared) =>
        tables is null || tables.Count == 0
            ? PostgresIdentifier.Parse(declared, "The table of a projection row").Quoted
            : Resolve(declared);

    public void Execute(string sql) => Add(Create(sql), null);

    public void Execute<T1>(string sql, T1 p1)
    {
        var command = Create(sql);
        command.Parameters.Add(new NpgsqlParameter<T1> { TypedValue = p1 });
        Add(command, Columns(ArrayColumn.Of<T1>()));
    }

    public void Execute<T1, T2>(string sql, T1 p1, T2 p2)
    {
        var command = Create(sql);
        command.Parameters.Add(new NpgsqlParameter<T1> { TypedValue = p1 });
        command.Parameters.Add(new NpgsqlParameter<T2> { TypedValue = p2 });
        Add(command, Columns(ArrayColumn.Of<T1>(), ArrayColumn.Of<T2>()));
    }

    public void Execute<T1, T2, T3>(string sql, T1 p1, T2 p2, T3 p3)
    {
        var command = Create(sql);
        command.Parameters.Add(new NpgsqlParameter<T1> { TypedValue = p1 });
        command.Parameters.Add(new NpgsqlParameter<T2> { TypedValue = p2 });
        command.Parameters.Add(new NpgsqlParameter<T3> { TypedValue = p3 });
        Add(command, Columns(ArrayColumn.Of<T1>(), ArrayColumn.Of<T2>(), ArrayColumn.Of<T3>()));
    }

    public void Execute<T1, T2, T3, T4>(string sql, T1 p1, T2 p2, T3 p3, T4 p4)
    {
        var command = Create(sql);
        command.Parameters.Add(new NpgsqlParameter<T1> { TypedValue = p1 });
        command.Parameters.Add(new NpgsqlParameter<T2> { TypedValue = p2 });
        command.Parameters.Add(new NpgsqlParameter<T3> { TypedValue = p3 });
        command.Parameters.Add(new NpgsqlParameter<T4> { TypedValue = p4 });
        Add(command, Columns(ArrayColumn.Of<T1>(), ArrayColumn.Of<T2>(), ArrayColumn.Of<T3>(), ArrayColumn.Of<T4>()));
    }

    public void Execute(string sql, params ReadOnlySpan<object?> parameters)
    {
        var command = Create(sql);
        var types = parameters.IsEmpty ? null : new ArrayColumn[parameters.Length];
        for (var p = 0; p < parameters.Length; p++)
        {
            var parameter = parameters[p];
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
            if (types is not null && ArrayColumn.OfValue(parameter) is { } column)
            {
                types[p] = column;
            }
            else
            {
                // A null (or a type without an array mapping) leaves the command as written: its type is the server's to infer.
                types = null;
            }
        }

        Add(command, types);
    }

    private IEnumerable<NpgsqlBatchCommand> Segment(int start, int end, bool group, Dictionary<(string Sql, int Parameters), string?> shapes)
    {
        if (end - start > 1 && group)
        {
            return InsertGrouping.Group(commands.GetRange(start, end - start), columns.GetRange(start, end - start), shapes);
        }

        return commands.GetRange(start, end - start);
    }

    public string Table(string table) => Resolve(table);

    /// <summary>
    /// The one place where a declared (logical) table becomes the quoted, schema-qualified physical table of this batch's
    /// generation: everything that writes a declared table goes through here.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="table"/> is not declared.</exception>
    internal string Resolve(string table)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        if (tables is not null && tables.TryGetValue(table, out var physical))
        {
            return physical;
        }

        throw new ArgumentException(
            tables is null || tables.Count == 0
                ? $"Projection '{projection}' declares no tables, so writer.Table(\"{table}\") has nothing to resolve: declare the tables its handlers write, [Projection(\"{projection}\", Tables = new[] {{ \"{table}\" }})] (docs/versions.md)."
                : $"Projection '{projection}' does not declare the table '{table}'; it declares {string.Join(", ", tables.Keys.Order(StringComparer.Ordinal))} (ProjectionAttribute.Tables, docs/versions.md).",
            nameof(table));
    }

    private static ArrayColumn[]? Columns(params ReadOnlySpan<ArrayColumn?> types)
    {
        foreach (var type in types)
        {
            if (type is null)
            {
                return null;
            }
        }

        var result = new ArrayColumn[types.Length];
        for (var p = 0; p < types.Length; p++)
        {
            result[p] = types[p]!;
        }

        return result;
    }

    private static NpgsqlBatchCommand Create(string sql)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        return new NpgsqlBatchCommand(sql);
    }

    private void Add(NpgsqlBatchCommand command, ArrayColumn[]? types)
    {
        commands.Add(command);
        columns.Add(types);
    }
}
