using Npgsql;

namespace ProjectionGen.EventStore;

/// <summary>Builds the statements that table owners and the ownership loop put into one <see cref="NpgsqlBatch"/> round trip.</summary>
internal static class BatchCommands
{
    /// <summary>A batch command of <paramref name="sql"/> with positional parameters (<c>$1</c>, <c>$2</c>, ...).</summary>
    public static NpgsqlBatchCommand Create(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }
}
