using Npgsql;

namespace ProjectionGen.Daemon;

/// <summary>Collects an event projection's commands for the batch's commit round trip.</summary>
internal sealed class BatchWriter : IProjectionWriter
{
    private readonly List<NpgsqlBatchCommand> commands = [];

    /// <summary>The queued commands, in the order the handlers queued them.</summary>
    public IReadOnlyList<NpgsqlBatchCommand> Commands => commands;

    public void Execute(string sql) => commands.Add(Create(sql));

    public void Execute<T1>(string sql, T1 p1)
    {
        var command = Create(sql);
        command.Parameters.Add(new NpgsqlParameter<T1> { TypedValue = p1 });
        commands.Add(command);
    }

    public void Execute<T1, T2>(string sql, T1 p1, T2 p2)
    {
        var command = Create(sql);
        command.Parameters.Add(new NpgsqlParameter<T1> { TypedValue = p1 });
        command.Parameters.Add(new NpgsqlParameter<T2> { TypedValue = p2 });
        commands.Add(command);
    }

    public void Execute<T1, T2, T3>(string sql, T1 p1, T2 p2, T3 p3)
    {
        var command = Create(sql);
        command.Parameters.Add(new NpgsqlParameter<T1> { TypedValue = p1 });
        command.Parameters.Add(new NpgsqlParameter<T2> { TypedValue = p2 });
        command.Parameters.Add(new NpgsqlParameter<T3> { TypedValue = p3 });
        commands.Add(command);
    }

    public void Execute<T1, T2, T3, T4>(string sql, T1 p1, T2 p2, T3 p3, T4 p4)
    {
        var command = Create(sql);
        command.Parameters.Add(new NpgsqlParameter<T1> { TypedValue = p1 });
        command.Parameters.Add(new NpgsqlParameter<T2> { TypedValue = p2 });
        command.Parameters.Add(new NpgsqlParameter<T3> { TypedValue = p3 });
        command.Parameters.Add(new NpgsqlParameter<T4> { TypedValue = p4 });
        commands.Add(command);
    }

    public void Execute(string sql, params ReadOnlySpan<object?> parameters)
    {
        var command = Create(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        commands.Add(command);
    }

    private static NpgsqlBatchCommand Create(string sql)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        return new NpgsqlBatchCommand(sql);
    }
}
