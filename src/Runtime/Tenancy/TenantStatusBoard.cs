using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;

namespace ProjectionGen.Tenancy;

/// <summary>
/// The tenant status board: the table <c>{schema}.tenant_database_status</c> (schema step 16) of the master database,
/// where every <see cref="TenantDatabaseNode"/> given this board publishes the state of each tenant database it runs
/// (status, safe error text, slots with position, epoch and lag; never a connection string) after each read of its
/// tenant source, so that the dashboard and the operator see every tenant of the cluster with one query instead of a
/// connection to each tenant database (docs/tenancy.md, "The tenant status board"). The board only shows; it decides
/// nothing: ownership stays with the advisory locks and epochs inside each tenant database.
/// </summary>
/// <remarks>
/// A node replaces its own entries each time: entries of tenants no longer listed by the source are deleted by whichever
/// node reads the source next, an entry of a tenant that moved is taken over by its new node, and a node that stops
/// gracefully deletes its entries. An entry of a node that died stays, with <see cref="TenantStatusEntry.NodeAlive"/>
/// false, until another node runs that tenant. Give every node the same tenant source.
/// </remarks>
public sealed class TenantStatusBoard
{
    private readonly NpgsqlDataSource master;
    private readonly string deleteSql;
    private readonly string upsertSql;
    private readonly string clearSql;
    private readonly string readSql;
    private readonly string nodesSql;

    /// <summary>A board in the master database reached through <paramref name="master"/>.</summary>
    /// <param name="master">The master database's connections (owned by the caller): the database whose node registry the nodes' own daemons register in.</param>
    /// <param name="schema">The master database's ProjectionGen schema. Default <c>projectiongen</c>.</param>
    /// <param name="evictionTimeout">How old a node's heartbeat may be before its entries show it as gone; default the daemon's default <c>EvictionTimeout</c> (8 s).</param>
    /// <exception cref="ArgumentException">The schema is not a valid identifier, or the timeout is not positive.</exception>
    public TenantStatusBoard(NpgsqlDataSource master, string schema = "projectiongen", TimeSpan? evictionTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(master);
        if (evictionTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"evictionTimeout must be positive (was {timeout}).", nameof(evictionTimeout));
        }

        this.master = master;
        EvictionTimeout = evictionTimeout ?? NodeRegistry.DefaultEvictionTimeout;
        var parsed = PostgresIdentifier.Parse(schema, nameof(schema));
        var table = parsed.Qualify("tenant_database_status");
        nodesSql = new NodeRegistry(parsed).SnapshotSql;

        // $1 every tenant the source lists, $2 this node, $3 the tenants this node runs.
        deleteSql = $"DELETE FROM {table} b WHERE NOT (b.tenant_id = ANY($1)) OR (b.node = $2 AND NOT (b.tenant_id = ANY($3)))";

        // One row per tenant ($3..$8) with its slots aggregated from the slot arrays ($9..$14); unchanged rows are left alone.
        upsertSql = $"""
            INSERT INTO {table} AS b (tenant_id, node, status, error, failed_starts, since, high_water_mark, slots, updated_at)
            SELECT t.tenant_id, $2, t.status, t.error, t.failed_starts, t.since, t.high_water_mark,
                   COALESCE((SELECT jsonb_agg(jsonb_build_object('projection', s.projection, 'status', s.status, 'epoch', s.epoch,
                                                                 'position', s.position, 'last_commit_at', s.last_commit_at) ORDER BY s.projection)
                             FROM unnest($9::text[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::timestamptz[])
                                  AS s(tenant_id, projection, status, epoch, position, last_commit_at)
                             WHERE s.tenant_id = t.tenant_id), '[]'::jsonb),
                   now()
            FROM unnest($3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[], $8::bigint[])
                 AS t(tenant_id, status, error, failed_starts, since, high_water_mark)
            WHERE $1
            ON CONFLICT (tenant_id) DO UPDATE SET node = excluded.node, status = excluded.status, error = excluded.error,
                failed_starts = excluded.failed_starts, since = excluded.since, high_water_mark = excluded.high_water_mark,
                slots = excluded.slots, updated_at = excluded.updated_at
            WHERE (b.node, b.status, b.error, b.failed_starts, b.since, b.high_water_mark, b.slots)
                  IS DISTINCT FROM (excluded.node, excluded.status, excluded.error, excluded.failed_starts, excluded.since, excluded.high_water_mark, excluded.slots)
            """;
        clearSql = $"DELETE FROM {table} WHERE node = $1";
        readSql = $"""
            SELECT b.tenant_id, b.node, b.status, b.error, b.failed_starts, b.since, b.high_water_mark, b.updated_at,
                   s.projection, s.status, s.epoch, s.position, s.last_commit_at
            FROM {table} b
            LEFT JOIN LATERAL jsonb_to_recordset(b.slots) AS s(projection text, status text, epoch bigint, position bigint, last_commit_at timestamptz) ON true
            ORDER BY b.tenant_id, s.projection
            """;
    }

    /// <summary>How old a node's heartbeat may be before its entries show it as gone.</summary>
    public TimeSpan EvictionTimeout { get; }

    /// <summary>Every tenant database on the board, ordered by tenant id, each with whether its node is live now. One round trip.</summary>
    /// <exception cref="NpgsqlException">The master database cannot be read (or has no schema step 16 yet).</exception>
    public async Task<IReadOnlyList<TenantStatusEntry>> ReadAsync(CancellationToken cancellationToken = default)
    {
        await using var batch = master.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(nodesSql));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(readSql));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var live = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var node = NodeRegistry.ReadNode(reader);
            if (node.IsLive(EvictionTimeout))
            {
                live.Add(node.Name);
            }
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<TenantStatusEntry>();
        TenantStatusEntry? current = null;
        List<TenantSlotStatus>? slots = null;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var tenant = reader.GetString(0);
            if (current is null || !string.Equals(current.TenantId, tenant, StringComparison.Ordinal))
            {
                slots = [];
                var node = reader.GetString(1);
                long? mark = reader.IsDBNull(6) ? null : reader.GetInt64(6);
                current = new TenantStatusEntry(
                    tenant,
                    node,
                    live.Contains(node),
                    Enum.TryParse<TenantDatabaseStatus>(reader.GetString(2), out var status) ? status : TenantDatabaseStatus.Failed,
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.GetInt32(4),
                    reader.GetFieldValue<DateTimeOffset>(5),
                    mark,
                    reader.GetFieldValue<DateTimeOffset>(7),
                    slots);
                entries.Add(current);
            }

            if (!reader.IsDBNull(8))
            {
                var position = reader.GetInt64(11);
                slots!.Add(new TenantSlotStatus(
                    reader.GetString(8),
                    Enum.TryParse<AgentStatus>(reader.GetString(9), out var agent) ? agent : AgentStatus.Stopped,
                    reader.GetInt64(10),
                    position,
                    reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12),
                    current.HighWaterMark is { } hwm && hwm > position ? hwm - position : 0));
            }
        }

        return entries;
    }

    /// <summary>
    /// Replaces this node's entries with <paramref name="states"/> (those not stopped) and deletes the entries of tenants
    /// that <paramref name="listed"/> (every tenant of the source) no longer has. One round trip, one transaction.
    /// </summary>
    internal async Task PublishAsync(string node, IReadOnlyCollection<string> listed, IReadOnlyList<TenantDatabaseState> states, CancellationToken cancellationToken)
    {
        var mine = states.Where(s => s.Status != TenantDatabaseStatus.Stopped).ToList();
        var slots = mine.SelectMany(s => s.Slots.Select(slot => (s.TenantId, Slot: slot))).ToList();
        await using var batch = master.CreateBatch();
        var delete = new NpgsqlBatchCommand(deleteSql);
        delete.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. listed] });
        delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        delete.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. mine.Select(s => s.TenantId)] });
        batch.BatchCommands.Add(delete);
        var upsert = new NpgsqlBatchCommand(upsertSql);
        upsert.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = mine.Count > 0 });
        upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. mine.Select(s => s.TenantId)] });
        upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. mine.Select(s => s.Status.ToString())] });
        upsert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. mine.Select(s => s.Error)] });
        upsert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. mine.Select(s => s.FailedStarts)] });
        upsert.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. mine.Select(s => s.Since)] });
        upsert.Parameters.Add(new NpgsqlParameter<long?[]> { TypedValue = [.. mine.Select(s => s.HighWaterMark)] });
        upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. slots.Select(s => s.TenantId)] });
        upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. slots.Select(s => s.Slot.Projection)] });
        upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. slots.Select(s => s.Slot.Status.ToString())] });
        upsert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. slots.Select(s => s.Slot.Epoch)] });
        upsert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. slots.Select(s => s.Slot.Position)] });
        upsert.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]> { TypedValue = [.. slots.Select(s => s.Slot.LastCommitAt)] });
        batch.BatchCommands.Add(upsert);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes this node's entries (a graceful stop).</summary>
    internal async Task ClearAsync(string node, CancellationToken cancellationToken)
    {
        await using var command = master.CreateCommand(clearSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
