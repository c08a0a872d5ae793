using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.EventStore;
using ProjectionGen.Locking;
using ProjectionGen.Progress;
using ProjectionGen.Versions;

namespace ProjectionGen.Operations;

/// <summary>
/// Reads the status of the cluster from the database alone (no daemon needed): the node registry, and per slot the
/// owner node and whether its lock is held, epoch, position, high-water mark, lag, last commit, last lock loss and its
/// cause, dead-letter count, and any foreign session holding a slot's lock or the append marker.
/// </summary>
public sealed class ProjectionStatusReader
{
    private readonly PostgresEventStore store;
    private readonly ProgressTable progress;
    private readonly NodeRegistry registry;
    private readonly ProjectionVersionTable versions;
    private readonly string locksSql;

    /// <summary>Creates a reader on <paramref name="store"/>'s connections and schema.</summary>
    public ProjectionStatusReader(PostgresEventStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
        var schema = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
        progress = new ProgressTable(schema);
        registry = new NodeRegistry(schema);
        versions = new ProjectionVersionTable(schema);
        locksSql = SlotLockQuery.HoldersSql;
    }

    /// <summary>Reads every slot that has a progress row, ordered by projection and shard.</summary>
    public async Task<IReadOnlyList<ProjectionStatus>> ReadAsync(CancellationToken cancellationToken = default) =>
        (await ReadClusterAsync(cancellationToken).ConfigureAwait(false)).Slots;

    /// <summary>Reads the node registry, every slot and every generation of the aggregate projections.</summary>
    public async Task<ClusterStatus> ReadClusterAsync(CancellationToken cancellationToken = default)
    {
        var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // The mark first: a position read afterwards can only be closer to it, so the lag is never understated by much.
            var mark = await store.ReadSafeHighWaterMarkAsync(connection, cancellationToken).ConfigureAwait(false);
            var nodes = new List<NodeStatus>();
            await using (var command = new NpgsqlCommand(registry.SnapshotSql, connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var node = NodeRegistry.ReadNode(reader);
                    nodes.Add(new NodeStatus(node.Name, node.IsLive(NodeRegistry.DefaultEvictionTimeout), node.Draining, node.HeartbeatAt, node.HeartbeatAge, node.SlotsOwned, node.Capacity, node.Tags, node.Projections, node.Version, node.StartedAt, node.LockPid));
                }
            }

            var nodePids = nodes.Select(n => n.LockBackendPid).ToHashSet();
            var marker = AdvisoryLockKey.ForAppendMarker(store.Schema).Value;
            var held = new Dictionary<long, (int Pid, string Application)>();
            string? appendsBlockedBy = null;
            await using (var command = new NpgsqlCommand(locksSql, connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var key = reader.GetInt64(0);
                    var holder = (reader.GetInt32(1), reader.GetString(3));
                    if (key == marker)
                    {
                        // Appenders take the marker shared for an instant; an exclusive holder makes every append wait.
                        if (reader.GetString(2) == "ExclusiveLock")
                        {
                            appendsBlockedBy = Describe(holder);
                        }
                    }
                    else
                    {
                        held[key] = holder;
                    }
                }
            }

            // The generations first: a slot of a kept or retired one is shown, but not projected (docs/versions.md).
            var generations = await Versions.ProjectionVersionOperations.ReadAsync(store, versions, connection, cancellationToken).ConfigureAwait(false);
            var idleKeys = generations.Where(g => !Versions.ProjectionVersionStates.IsProjected(g.State)).Select(g => g.SlotKey).ToHashSet(StringComparer.Ordinal);
            var buildingKeys = generations.Where(g => g.State == Versions.ProjectionVersionStates.Building).Select(g => g.SlotKey).ToHashSet(StringComparer.Ordinal);
            var slots = new List<ProjectionStatus>();
            await using (var command = new NpgsqlCommand(progress.StatusSql, connection))
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
                    var shard = reader.GetInt32(13);
                    var shards = reader.GetInt32(14);
                    var key = AdvisoryLockKey.ForSlot(store.Schema, reader.GetString(12), shard, shards).Value;
                    var ownerAlive = held.TryGetValue(key, out var holder) && nodePids.Contains(holder.Pid);
                    var foreign = held.ContainsKey(key) && !ownerAlive ? Describe(holder) : null;
                    slots.Add(new ProjectionStatus(
                        name,
                        reader.IsDBNull(1) ? null : reader.GetString(1),
                        ownerAlive,
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
                        readAt,
                        shard,
                        shards,
                        foreign) { Projected = !idleKeys.Contains(reader.GetString(12)), Building = buildingKeys.Contains(reader.GetString(12)) });
                }
            }

            return new ClusterStatus(nodes, slots, appendsBlockedBy) { Versions = generations };
        }
    }

    private static string Describe((int Pid, string Application) holder) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"pid {holder.Pid}, application_name '{holder.Application}'");

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
