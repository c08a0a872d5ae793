using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Progress;

namespace ProjectionGen.Operations;

/// <summary>
/// The bounded history of every projection's acquisitions, moves, lock losses and rebuilds (table
/// <c>{schema}.projection_history</c>), the dashboard's timeline. The daemon, the alert dispatcher, the versions and the
/// rebuilder add their rows in the transactions that make the changes; the table keeps at most <see cref="MaxRows"/>
/// rows, none older than <see cref="MaxAge"/>. See <c>docs/dashboard.md</c>.
/// </summary>
public sealed class ProjectionHistory
{
    /// <summary>The most rows the table keeps.</summary>
    public const int MaxRows = HistoryTable.MaxRows;

    /// <summary>The oldest row the table keeps.</summary>
    public static readonly TimeSpan MaxAge = HistoryTable.MaxAge;

    private readonly NpgsqlDataSource dataSource;
    private readonly HistoryTable table;

    /// <summary>Creates a reader of <paramref name="store"/>'s history.</summary>
    public ProjectionHistory(PostgresEventStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        dataSource = store.DataSource;
        table = new HistoryTable(PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema"));
    }

    /// <summary>Reads the entries since <paramref name="since"/>, newest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<ProjectionHistoryEntry>> ReadAsync(DateTimeOffset since, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var command = dataSource.CreateCommand(table.ReadSql);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = since.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<ProjectionHistoryEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new ProjectionHistoryEntry(
                reader.GetInt64(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetInt64(6),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return entries;
    }
}
