using Npgsql;
using NpgsqlTypes;
using ProjectionGen.EventStore;

namespace ProjectionGen.Cluster;

/// <summary>
/// The one owner of the <c>nodes</c> table, the cluster's node registry: each daemon registers itself with its lock
/// session's backend pid and start time, renews a heartbeat on its lock connection, and deletes its row on a graceful
/// stop. Every node reads the whole registry once per heartbeat to compute placement (docs/cluster.md).
/// </summary>
internal sealed class NodeRegistry
{
    /// <summary>
    /// How old a node's heartbeat may be before it counts as gone: the default of
    /// <see cref="Daemon.ProjectionDaemonOptions.EvictionTimeout"/>, and the staleness that status (which knows no node's options)
    /// applies to every node.
    /// </summary>
    public static readonly TimeSpan DefaultEvictionTimeout = TimeSpan.FromSeconds(8);

    private readonly string table;

    /// <param name="schema">The validated schema.</param>
    public NodeRegistry(PostgresIdentifier schema)
    {
        table = schema.Qualify("nodes");
        ClusterChannel = schema.Value + "_cluster";

        // A row whose lock session is gone may be taken over; a live one is another process with the same name.
        RegisterSql = $"""
            INSERT INTO {table} AS n (name, lock_pid, lock_backend_start, version, projections, tags, capacity, draining, started_at, heartbeat_at, slots_owned)
            VALUES ($1, pg_backend_pid(), (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()), $2, $3, $4, $5, $6, now(), clock_timestamp(), 0)
            ON CONFLICT (name) DO UPDATE SET lock_pid = excluded.lock_pid, lock_backend_start = excluded.lock_backend_start,
              version = excluded.version, projections = excluded.projections, tags = excluded.tags, capacity = excluded.capacity,
              draining = excluded.draining, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, slots_owned = 0
            WHERE n.lock_pid = pg_backend_pid()
               OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = n.lock_pid AND a.backend_start IS NOT DISTINCT FROM n.lock_backend_start)
            RETURNING name
            """;
        HeartbeatSql = $"UPDATE {table} SET heartbeat_at = clock_timestamp(), slots_owned = $2 WHERE name = $1 AND lock_pid = pg_backend_pid() RETURNING draining";
        SnapshotSql = $"""
            SELECT n.name, n.projections, n.tags, n.capacity, n.draining, n.heartbeat_at,
                   (extract(epoch FROM clock_timestamp() - n.heartbeat_at) * 1000)::float8,
                   EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = n.lock_pid AND a.backend_start IS NOT DISTINCT FROM n.lock_backend_start),
                   n.lock_pid, n.slots_owned, n.version, n.started_at, n.heartbeat_at < pg_postmaster_start_time()
            FROM {table} n ORDER BY n.name
            """;
        HeldKeysSql = Locking.SlotLockQuery.HeldKeysSql;

        // Re-checked on the server, so that a node whose heartbeat arrived in the meantime is left alone.
        EvictSql = $"""
            SELECT pg_terminate_backend(n.lock_pid) FROM {table} n
            WHERE n.name = $1 AND n.lock_pid = $2 AND clock_timestamp() - n.heartbeat_at > $3
            """;
        DeregisterSql = $"DELETE FROM {table} WHERE name = $1 AND lock_pid = pg_backend_pid()";
        PruneSql = $"""
            DELETE FROM {table} n WHERE clock_timestamp() - n.heartbeat_at > $1
              AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = n.lock_pid AND a.backend_start IS NOT DISTINCT FROM n.lock_backend_start)
            """;
        SetDrainingSql = $"UPDATE {table} SET draining = $2 WHERE name = $1 RETURNING name";
        NotifySql = "SELECT pg_notify($1, $2)";
    }

    /// <summary>The LISTEN/NOTIFY channel on which nodes announce joins, leaves, drains and released slots.</summary>
    public string ClusterChannel { get; }

    /// <summary>Registers this lock session ($1 name, $2 version, $3 projections, $4 tags, $5 capacity, $6 draining); no row: the name is in use.</summary>
    public string RegisterSql { get; }

    /// <summary>Renews this node's heartbeat ($1 name, $2 slots owned); returns its draining flag, no row when the registration is gone.</summary>
    public string HeartbeatSql { get; }

    /// <summary>Every registered node with its heartbeat age and whether its lock session lives.</summary>
    public string SnapshotSql { get; }

    /// <summary>Every granted session-level advisory lock of this database with its holder's pid.</summary>
    public string HeldKeysSql { get; }

    /// <summary>Ends the lock session of node $1 (pid $2) if its heartbeat is still older than $3.</summary>
    public string EvictSql { get; }

    /// <summary>Deletes this node's row ($1 name) on a graceful stop.</summary>
    public string DeregisterSql { get; }

    /// <summary>Deletes rows of nodes gone for longer than $1.</summary>
    public string PruneSql { get; }

    /// <summary>Sets node $1's draining flag to $2; returns the name when the node is registered.</summary>
    public string SetDrainingSql { get; }

    /// <summary>Notifies channel $1 with payload $2.</summary>
    public string NotifySql { get; }

    /// <summary>Creates the registration command for this lock session.</summary>
    public NpgsqlCommand CreateRegister(NpgsqlConnection connection, string node, string version, IReadOnlyList<string> projections, IReadOnlyList<string> tags, int? capacity, bool draining)
    {
        var command = new NpgsqlCommand(RegisterSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = version });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. projections], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. tags], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = capacity is { } c ? c : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = draining });
        return command;
    }

    /// <summary>Reads one node row of <see cref="SnapshotSql"/>.</summary>
    public static NodeRecord ReadNode(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetFieldValue<string[]>(1),
        reader.GetFieldValue<string[]>(2),
        reader.IsDBNull(3) ? null : reader.GetInt32(3),
        reader.GetBoolean(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        TimeSpan.FromMilliseconds(Math.Max(0, reader.GetDouble(6))),
        reader.GetBoolean(7),
        reader.GetInt32(8),
        reader.GetInt32(9),
        reader.IsDBNull(10) ? null : reader.GetString(10),
        reader.GetFieldValue<DateTimeOffset>(11),
        reader.GetBoolean(12));
}
