using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Locking;

namespace ProjectionGen.Operations;

/// <summary>
/// Reads the status of every projection of a store, cluster-wide: owner node and whether its lock is held, epoch,
/// position, high-water mark, lag, last commit, last lock loss and its cause, dead-letter count. Needs no daemon:
/// everything comes from the database (the progress and dead-letter tables, <c>pg_locks</c> and the event store).
/// </summary>
public sealed class ProjectionStatusReader
{
    private readonly PostgresEventStore store;
    private readonly string statusSql;
    private readonly string locksSql;

    /// <summary>Creates a reader on <paramref name="store"/>'s connections and schema.</summary>
    public ProjectionStatusReader(PostgresEventStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
        var schema = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
        statusSql = $"""
            SELECT p.name, p.owner, p.owner_since, p.epoch, p.position, p.last_commit_at, p.status, p.last_loss_cause, p.last_loss_at,
                   (SELECT count(*) FROM {schema.Qualify("dead_letters")} d WHERE d.projection = p.name),
                   (SELECT e."timestamp" FROM {schema.Qualify("events")} e WHERE e.seq > p.position AND e.seq <= $1 ORDER BY e.seq LIMIT 1),
                   now()
            FROM {schema.Qualify("progress")} p
            ORDER BY p.name
            """;
        locksSql = """
            SELECT (l.classid::bigint << 32) | l.objid::bigint FROM pg_catalog.pg_locks l
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())
            """;
    }

    /// <summary>Reads every projection that has a progress row, ordered by name.</summary>
    public async Task<IReadOnlyList<ProjectionStatus>> ReadAsync(CancellationToken cancellationToken = default)
    {
        var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // The mark first: a position read afterwards can only be closer to it, so the lag is never understated by much.
            var mark = await store.ReadSafeHighWaterMarkAsync(connection, cancellationToken).ConfigureAwait(false);
            var held = new HashSet<long>();
            await using (var command = new NpgsqlCommand(locksSql, connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    held.Add(reader.GetInt64(0));
                }
            }

            var statuses = new List<ProjectionStatus>();
            await using (var command = new NpgsqlCommand(statusSql, connection))
            {
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = mark });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var name = reader.GetString(0);
                    var position = reader.GetInt64(4);
                    var readAt = reader.GetFieldValue<DateTimeOffset>(11);
                    var oldestPending = NullableTime(reader, 10);
                    var lag = oldestPending is { } pending && readAt > pending ? readAt - pending : TimeSpan.Zero;
                    statuses.Add(new ProjectionStatus(
                        name,
                        reader.IsDBNull(1) ? null : reader.GetString(1),
                        held.Contains(ProjectionLockKey.For(store.Schema, name).Value),
                        NullableTime(reader, 2),
                        reader.GetInt64(3),
                        position,
                        mark,
                        Math.Max(0, mark - position),
                        lag,
                        NullableTime(reader, 5),
                        reader.GetString(6),
                        reader.IsDBNull(7) ? null : reader.GetString(7),
                        NullableTime(reader, 8),
                        reader.GetInt64(9),
                        readAt));
                }
            }

            return statuses;
        }
    }

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
