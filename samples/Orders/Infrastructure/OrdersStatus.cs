using Npgsql;

namespace Orders.Infrastructure;

/// <summary>Owner, epoch and position of each projection, with the store's safe high-water mark and the lag behind it.</summary>
internal static class OrdersStatus
{
    public sealed record Row(string Projection, string? Owner, long Epoch, long Position, long HighWaterMark, DateTimeOffset? LastCommitAt)
    {
        public long Lag => Math.Max(0, HighWaterMark - Position);
    }

    public static async Task<IReadOnlyList<Row>> ReadAsync(OrdersDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        var mark = await database.Store.ReadSafeHighWaterMarkAsync(connection, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT name, owner, epoch, position, last_commit_at FROM projectiongen.progress ORDER BY name", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<Row>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Row(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetInt64(2),
                reader.GetInt64(3),
                mark,
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return rows;
    }
}
