using Npgsql;
using NpgsqlTypes;
using ProjectionGen.EventStore;
using ProjectionGen.Locking;

namespace ProjectionGen.Progress;

/// <summary>
/// The one owner of the <c>progress</c> table: one row per slot (an unsharded projection, or one shard of a sharded
/// one) holding its position, fencing epoch, owner and status. Every statement the runtime runs against the
/// table is here: slot registration, the epoch bump on acquisition, the epoch
/// check of the heartbeat, pause and resume, loss recording, rebuild and status. Its creation, its migrations and the
/// server-side fenced commit (<c>commit_progress</c>) are schema steps (<c>EventStore/Migrations/</c>).
/// </summary>
/// <remarks>The safety argument these statements implement is in docs/daemon.md ("Why it is safe").</remarks>
internal sealed class ProgressTable
{
    private readonly string table;

    /// <param name="schema">The validated schema.</param>
    public ProgressTable(PostgresIdentifier schema)
    {
        Schema = schema;
        table = schema.Qualify("progress");
        AcquireSql = $"""
            UPDATE {table} SET epoch = epoch + 1, owner = $2, owner_since = now(),
                   status = CASE WHEN status = 'paused' THEN 'paused' ELSE 'running' END
             WHERE name = $1 AND shard_count = $3 AND status <> 'kept' AND (required_shape IS NULL OR required_shape = $4)
            RETURNING epoch, position, status = 'paused'
            """;
        KeptSql = $"SELECT status = 'kept' FROM {table} WHERE name = $1";
        ShapeMismatchSql = $"SELECT required_shape IS NOT NULL AND required_shape <> $2 FROM {table} WHERE name = $1";
        RegisterShapeSql = $"SELECT status, newest_types, events FROM {schema.Quoted}.register_shape($1, $2, $3, $4, $5)";
        UnkeepSql = $"UPDATE {table} SET epoch = epoch + 1, status = 'idle' WHERE projection = $1 AND status = 'kept'";
        EpochsSql = $"SELECT name, epoch FROM {table} WHERE name = ANY($1)";
        FencedCommitSql = $"SELECT {schema.Quoted}.commit_progress($1, $2, $3, $4, $5, $6, $7, $8)";
        UnfencedCommitSql = $"UPDATE {table} SET position = $2, last_commit_at = now() WHERE name = $1";
        MarkPausedSql = $"UPDATE {table} SET status = 'paused' WHERE name = $1 AND epoch = $2";
        ResumeSlotSql = $"UPDATE {table} SET epoch = epoch + 1, status = 'resuming' WHERE name = $1 AND status = 'paused' RETURNING name";
        ResumeProjectionSql = $"UPDATE {table} SET epoch = epoch + 1, status = 'resuming' WHERE projection = $1 AND status = 'paused' RETURNING name";
        FenceSlotSql = $"UPDATE {table} SET epoch = epoch + 1 WHERE name = $1 RETURNING epoch, position";
        HistorySlotSql = $"SELECT name, epoch, position, owner FROM {table} WHERE name = $1";
        GenerationSlotsSql = $"(SELECT min(p.position) FROM {table} p WHERE p.projection = v.slot_key), (SELECT count(*) FROM {table} p WHERE p.projection = v.slot_key)";

        // Only a newer loss overwrites an older one; the status says 'stopped' only while no node has taken over.
        RecordLossSql = $"""
            UPDATE {table} SET last_loss_cause = $2, last_loss_at = $3, status = CASE WHEN epoch = $4 AND status <> 'paused' THEN 'stopped' ELSE status END
            WHERE name = $1 AND (last_loss_at IS NULL OR last_loss_at < $3)
            """;

        // The old values come from the row versions this UPDATE locks: a concurrent commit either finished before (and
        // is reset here) or waits and then matches no row (its epoch is gone).
        RebuildSql = $"""
            UPDATE {table} p SET epoch = p.epoch + 1, position = 0, owner = NULL, owner_since = NULL, status = 'rebuilding'
            FROM (SELECT name, position, owner FROM {table} WHERE projection = $1 FOR UPDATE) old
            WHERE p.name = old.name
            RETURNING p.epoch, old.position, old.owner
            """;
        StatusSql = $"""
            SELECT p.name, p.owner, p.owner_since, p.epoch, p.position, p.last_commit_at, p.status, p.last_loss_cause, p.last_loss_at,
                   {new DeadLetterTable(schema).CountOfSlotSql("p.name")},
                   {EventStoreSchema.FirstEventTimeSql(schema, "p.position", "$1")},
                   now(), p.projection, p.shard, p.shard_count
            FROM {table} p
            ORDER BY p.projection, p.shard, p.name
            """;
    }

    /// <summary>The schema holding the table.</summary>
    public PostgresIdentifier Schema { get; }

    /// <summary>
    /// The epoch bump on winning a slot's lock: bumps the epoch and reads the position in one statement ($1 slot, $2 node,
    /// $3 shard count, $4 the node's shape fingerprint); returns epoch, position and whether the slot is paused. No row:
    /// the slot's shard count changed (the projection was rebuilt with another one) and this node must not run it, the
    /// slot is kept (<see cref="KeptSql"/>), or its row requires a newer shape than this node's (<see cref="ShapeMismatchSql"/>;
    /// the same row, so under READ COMMITTED a concurrent registration's update is re-checked under its row lock,
    /// docs/cluster.md, "Shapes across code versions").
    /// </summary>
    public string AcquireSql { get; }

    /// <summary>Whether slot $1's row requires a shape other than fingerprint $2.</summary>
    public string ShapeMismatchSql { get; }

    /// <summary>
    /// <c>register_shape</c> ($1 generation key, $2 fingerprint, $3 type names, $4 node, $5 register or only check; schema
    /// version 13, <c>EventStore/Migrations/0013_projection_shapes.sql</c>): status, types, events.
    /// </summary>
    public string RegisterShapeSql { get; }

    /// <summary>
    /// Whether slot $1 is kept: a slot of an event projection's generation that a switch replaced, which no node acquires
    /// (<see cref="AcquireSql"/> matches no row) until it is switched back to (docs/versions.md, "Event projections").
    /// </summary>
    public string KeptSql { get; }

    /// <summary>Makes the kept slots of generation $1 acquirable again, under a new epoch: the start of a switch back.</summary>
    public string UnkeepSql { get; }

    /// <summary>The epochs of the named slots ($1 text[]): the heartbeat's check for epochs bumped elsewhere.</summary>
    public string EpochsSql { get; }

    /// <summary>The fenced commit, first statement of every batch (<c>commit_progress</c>; today's definition is schema version 11, <c>EventStore/Migrations/0011_holds_slot_lock.sql</c>).</summary>
    public string FencedCommitSql { get; }

    /// <summary>The unfenced progress update, for the guard-cost benchmark and the fault suite's checker test only.</summary>
    public string UnfencedCommitSql { get; }

    /// <summary>Records that the owner of epoch $2 paused slot $1 on a poison event.</summary>
    public string MarkPausedSql { get; }

    /// <summary>Resumes paused slot $1: a new epoch fences the paused owner, which gives the lock back.</summary>
    public string ResumeSlotSql { get; }

    /// <summary>Resumes every paused slot of projection $1.</summary>
    public string ResumeProjectionSql { get; }

    /// <summary>
    /// Fences slot $1 (a dead letter's retry): a new epoch, so that the owner's in-flight commit, waiting on this row lock,
    /// then finds its epoch gone; returns the new epoch and the position.
    /// </summary>
    public string FenceSlotSql { get; }

    /// <summary>
    /// Slot $1's name, epoch, position and owner: what the history records of an acquisition or a rebuild
    /// (<see cref="HistoryTable"/> reads it as a subquery in its insert, in the same transaction).
    /// </summary>
    public string HistorySlotSql { get; }

    /// <summary>
    /// Two columns for a row <c>v</c> of <c>projection_versions</c>: the lowest position of the generation's slots and how
    /// many it has (<see cref="ProjectionVersionTable.StatusSql"/>).
    /// </summary>
    public string GenerationSlotsSql { get; }

    /// <summary>Records a lock loss ($1 slot, $2 cause, $3 when, $4 the lost epoch).</summary>
    public string RecordLossSql { get; }

    /// <summary>Fences and resets every slot of projection $1 to position 0; returns each slot's new epoch, old position and owner.</summary>
    public string RebuildSql { get; }

    /// <summary>Every slot's status ($1 the safe high-water mark).</summary>
    public string StatusSql { get; }

    /// <summary>
    /// Registers a projection's slots, refusing a shard count that differs from the one its existing rows were made
    /// with: one transaction, serialized per projection by a transaction-level advisory lock so that two nodes of
    /// different configurations cannot both register. Returns the conflicting shard count, or null.
    /// </summary>
    public async Task<int?> RegisterSlotsAsync(NpgsqlConnection connection, string projection, IReadOnlyList<string> slotNames, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        var serialize = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)");
        serialize.Parameters.Add(new NpgsqlParameter<long> { TypedValue = AdvisoryLockKey.ForSlotRegistration(Schema.Value, projection).Value });
        var conflict = new NpgsqlBatchCommand($"SELECT max(shard_count) FROM {table} WHERE projection = $1 AND shard_count <> $2");
        conflict.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        conflict.Parameters.Add(new NpgsqlParameter<int> { TypedValue = slotNames.Count });
        var insert = new NpgsqlBatchCommand($"""
            INSERT INTO {table} (name, projection, shard, shard_count)
            SELECT s.name, $1, (s.ord - 1)::int, $3 FROM unnest($2::text[]) WITH ORDINALITY AS s(name, ord)
            WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE projection = $1 AND shard_count <> $3)
            ON CONFLICT (name) DO NOTHING
            """);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. slotNames], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = slotNames.Count });
        batch.BatchCommands.Add(serialize);
        batch.BatchCommands.Add(conflict);
        batch.BatchCommands.Add(insert);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return reader.IsDBNull(0) ? null : reader.GetInt32(0);
    }

    /// <summary>
    /// The statements that reset every slot row of generation <paramref name="key"/> to position 0 under a new epoch (which
    /// fences any owner of them) for <paramref name="slotNames"/>, creating missing rows and deleting rows of another
    /// shard count: the start of a shadow rebuild (docs/versions.md). New rows require the shape lane a's rows require
    /// (docs/cluster.md, "Shapes across code versions").
    /// </summary>
    public IEnumerable<NpgsqlBatchCommand> ResetSlotsCommands(string key, IReadOnlyList<string> slotNames)
    {
        var upsert = new NpgsqlBatchCommand($"""
            INSERT INTO {table} AS p (name, projection, shard, shard_count, epoch, status, required_shape)
            SELECT s.name, $1, (s.ord - 1)::int, $3, (SELECT coalesce(max(epoch), 0) + 1 FROM {table} WHERE projection = $1), 'rebuilding',
                   (SELECT max(required_shape) FROM {table} WHERE projection = CASE WHEN $1 ~ '@v[1-9][0-9]*b$' THEN regexp_replace($1, '(@v1)?b$', '') ELSE $1 END)
            FROM unnest($2::text[]) WITH ORDINALITY AS s(name, ord)
            ON CONFLICT (name) DO UPDATE SET shard = excluded.shard, shard_count = excluded.shard_count, epoch = p.epoch + 1,
              position = 0, owner = NULL, owner_since = NULL, status = 'rebuilding'
            """);
        upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. slotNames], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        upsert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = slotNames.Count });
        var delete = new NpgsqlBatchCommand($"DELETE FROM {table} WHERE projection = $1 AND shard_count <> $2");
        delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        delete.Parameters.Add(new NpgsqlParameter<int> { TypedValue = slotNames.Count });
        return [upsert, delete];
    }

    /// <summary>Deletes every slot row of generation $1 (retirement; an owner's next commit finds no row and is fenced).</summary>
    public string DeleteSlotsSql => $"DELETE FROM {table} WHERE projection = $1";

    /// <summary>
    /// The statements that replace a projection's slot rows of another shard count by rows for <paramref name="slotNames"/>
    /// (a rebuild that changes the shard count): the old rows are deleted, which fences their owners (a commit finds no
    /// row), and the new rows start above every old epoch.
    /// </summary>
    public IEnumerable<NpgsqlBatchCommand> ReshardCommands(string projection, IReadOnlyList<string> slotNames)
    {
        // A name that both counts use (shard 0 of 2 and of 4, say) is taken over in place; the others are inserted.
        var upsert = new NpgsqlBatchCommand($"""
            INSERT INTO {table} AS p (name, projection, shard, shard_count, epoch, status, required_shape)
            SELECT s.name, $1, (s.ord - 1)::int, $3, (SELECT coalesce(max(epoch), 0) + 1 FROM {table} WHERE projection = $1), 'rebuilding',
                   (SELECT max(required_shape) FROM {table} WHERE projection = $1)
            FROM unnest($2::text[]) WITH ORDINALITY AS s(name, ord)
            ON CONFLICT (name) DO UPDATE SET shard = excluded.shard, shard_count = excluded.shard_count, epoch = excluded.epoch,
              position = 0, owner = NULL, owner_since = NULL, status = 'rebuilding'
            WHERE p.shard_count <> excluded.shard_count
            """);
        upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. slotNames], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        upsert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = slotNames.Count });
        var delete = new NpgsqlBatchCommand($"DELETE FROM {table} WHERE projection = $1 AND shard_count <> $2");
        delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        delete.Parameters.Add(new NpgsqlParameter<int> { TypedValue = slotNames.Count });
        var serialize = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)");
        serialize.Parameters.Add(new NpgsqlParameter<long> { TypedValue = AdvisoryLockKey.ForSlotRegistration(Schema.Value, projection).Value });
        return [serialize, upsert, delete];
    }
}
