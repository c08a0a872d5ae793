using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;

namespace ProjectionGen.Operations;

/// <summary>
/// Lists the daemon nodes connected to the store's database: every session whose <c>application_name</c> is a lock
/// connection (<c>projectiongen-lock:&lt;node&gt;</c>), with its start, last activity and advisory locks held. Reads
/// only names, times and counts from <c>pg_stat_activity</c> and <c>pg_locks</c>: never addresses, users or queries.
/// </summary>
public sealed class ProjectionLockHolderReader
{
    private const string Sql = $"""
        SELECT substr(a.application_name, length($1) + 1), a.backend_start, a.state_change,
               {Locking.SlotLockQuery.CountHeldBySessionSql}::int
        FROM pg_catalog.pg_stat_activity a
        WHERE a.datname = current_database() AND starts_with(a.application_name, $1)
        ORDER BY 1
        """;

    private readonly PostgresEventStore store;

    /// <summary>Creates a reader on <paramref name="store"/>'s connections.</summary>
    public ProjectionLockHolderReader(PostgresEventStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
    }

    /// <summary>Reads the connected nodes, ordered by name.</summary>
    public async Task<IReadOnlyList<ProjectionLockHolder>> ReadAsync(CancellationToken cancellationToken = default)
    {
        await using var command = store.DataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ProjectionDaemon.LockApplicationNameFor("") });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var holders = new List<ProjectionLockHolder>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            holders.Add(new ProjectionLockHolder(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetInt32(3)));
        }

        return holders;
    }
}
