using Npgsql;
using NpgsqlTypes;
using ProjectionGen.EventStore;
using ProjectionGen.Locking;

namespace ProjectionGen.Progress;

/// <summary>
/// The one owner of the <c>progress</c> table: one row per slot (an unsharded projection, or one shard of a sharded
/// one) holding its position, fencing epoch, owner and status. Every statement against the table is here: its
/// creation and migrations, the server-side fenced commit, slot registration, the epoch bump on acquisition, the epoch
/// check of the heartbeat, pause and resume, loss recording, rebuild and status.
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
             WHERE name = $1 AND shard_count = $3 AND status <> 'kept'
            RETURNING epoch, position, status = 'paused'
            """;
        KeptSql = $"SELECT status = 'kept' FROM {table} WHERE name = $1";
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
    /// $3 shard count); returns epoch, position and whether the slot is paused. No row: the slot's shard count changed
    /// (the projection was rebuilt with another one) and this node must not run it, or the slot is kept (<see cref="KeptSql"/>).
    /// </summary>
    public string AcquireSql { get; }

    /// <summary>
    /// Whether slot $1 is kept: a slot of an event projection's generation that a switch replaced, which no node acquires
    /// (<see cref="AcquireSql"/> matches no row) until it is switched back to (docs/versions.md, "Event projections").
    /// </summary>
    public string KeptSql { get; }

    /// <summary>Makes the kept slots of generation $1 acquirable again, under a new epoch: the start of a switch back.</summary>
    public string UnkeepSql { get; }

    /// <summary>The epochs of the named slots ($1 text[]): the heartbeat's check for epochs bumped elsewhere.</summary>
    public string EpochsSql { get; }

    /// <summary>The fenced commit, first statement of every batch (see <see cref="CommitFunction"/>).</summary>
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
    /// (<see cref="Operations.ProjectionHistory"/> reads it as a subquery in its insert, in the same transaction).
    /// </summary>
    public string HistorySlotSql { get; }

    /// <summary>
    /// Two columns for a row <c>v</c> of <c>projection_versions</c>: the lowest position of the generation's slots and how
    /// many it has (<see cref="Versions.ProjectionVersionTable.StatusSql"/>).
    /// </summary>
    public string GenerationSlotsSql { get; }

    /// <summary>Records a lock loss ($1 slot, $2 cause, $3 when, $4 the lost epoch).</summary>
    public string RecordLossSql { get; }

    /// <summary>Fences and resets every slot of projection $1 to position 0; returns each slot's new epoch, old position and owner.</summary>
    public string RebuildSql { get; }

    /// <summary>Every slot's status ($1 the safe high-water mark).</summary>
    public string StatusSql { get; }

    /// <summary>The statements that create the table (schema version 1).</summary>
    public static string CreateTable(SchemaContext s) => $"""
        CREATE TABLE IF NOT EXISTS {s.Table("progress")} (
          name text PRIMARY KEY, position bigint NOT NULL DEFAULT 0, epoch bigint NOT NULL DEFAULT 0, owner text,
          owner_since timestamptz, last_commit_at timestamptz, status text NOT NULL DEFAULT 'idle',
          last_loss_cause text, last_loss_at timestamptz)
        """;

    /// <summary>The slot columns (schema version 4): which projection and shard a row belongs to.</summary>
    public static IReadOnlyList<string> AddSlotColumns(SchemaContext s) =>
    [
        $"ALTER TABLE {s.Table("progress")} ADD COLUMN IF NOT EXISTS projection text, ADD COLUMN IF NOT EXISTS shard int NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS shard_count int NOT NULL DEFAULT 1",
        $"UPDATE {s.Table("progress")} SET projection = name WHERE projection IS NULL",
        $"ALTER TABLE {s.Table("progress")} ALTER COLUMN projection SET NOT NULL",
        $"CREATE INDEX IF NOT EXISTS progress_projection ON {s.Table("progress")} (projection)",
    ];

    /// <summary>
    /// Today's <c>commit_progress</c> (schema version 11; version 3's text is in <c>EventStore/Migrations/0003_commit_progress.sql</c>). The
    /// fenced update runs first: under READ COMMITTED a concurrent epoch bump and this update contend for the same row
    /// lock, and whichever waits re-checks its WHERE clause against the newest row version, so a deposed owner matches
    /// zero rows (docs/daemon.md, "Why it is safe"). Only then is the lock checked (<c>holds_slot_lock</c>, see
    /// <see cref="Locking.SlotLockQuery"/>), so that a stale owner is reported as superseded rather than as a mere lock
    /// loss. Any RAISE rolls back the batch's whole implicit transaction.
    /// </summary>
    public static string CommitFunction(SchemaContext s) => $$"""
        CREATE OR REPLACE FUNCTION {{s.Schema.Quoted}}.commit_progress(
          p_name text, p_epoch bigint, p_from bigint, p_to bigint,
          p_lock_pid integer, p_lock_backend_start timestamptz, p_lock_key bigint, p_check_lock boolean)
        RETURNS void LANGUAGE plpgsql AS $fn$
        DECLARE
          current_epoch bigint;
          current_position bigint;
        BEGIN
          UPDATE {{s.Schema.Quoted}}.progress
             SET position = p_to, last_commit_at = now()
           WHERE name = p_name AND epoch = p_epoch AND position = p_from;
          IF NOT FOUND THEN
            SELECT epoch, position INTO current_epoch, current_position FROM {{s.Schema.Quoted}}.progress WHERE name = p_name;
            IF current_epoch IS DISTINCT FROM p_epoch THEN
              RAISE EXCEPTION USING ERRCODE = 'PG002',
                MESSAGE = format('epoch %s of projection %s was superseded by epoch %s', p_epoch, p_name, current_epoch);
            END IF;
            RAISE EXCEPTION USING ERRCODE = 'PG003',
              MESSAGE = format('projection %s is at position %s, not %s', p_name, current_position, p_from);
          END IF;
          IF p_check_lock AND NOT {{s.Schema.Quoted}}.holds_slot_lock(p_lock_pid, p_lock_backend_start, p_lock_key) THEN
            RAISE EXCEPTION USING ERRCODE = 'PG001',
              MESSAGE = format('the lock of projection %s is no longer held by backend %s', p_name, p_lock_pid);
          END IF;
        END
        $fn$
        """;

    /// <summary>
    /// The functions through which the versions' SQL reads and fences progress rows (schema version 11, before the
    /// functions of <see cref="Versions.ProjectionVersionTable.SecureRegistration"/> that call them): a generation's slots
    /// (lowest and highest position, count, shard count; optionally locked first), the fence of a replaced generation's
    /// slots (a new epoch and the status 'kept', docs/versions.md "Event projections"), and a slot's epoch with its row
    /// locked (the switch's fence). They run with their caller's privileges.
    /// </summary>
    public static IReadOnlyList<string> GenerationFunctions(SchemaContext s)
    {
        var table = s.Schema.Quoted + ".progress";
        return
        [
            $$"""
            CREATE OR REPLACE FUNCTION {{s.Schema.Quoted}}.generation_slots(p_slot_key text, p_lock boolean)
            RETURNS TABLE (min_position bigint, max_position bigint, slots bigint, max_shard_count int)
            LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
            BEGIN
              IF p_lock THEN
                PERFORM 1 FROM {{table}} p WHERE p.projection = p_slot_key FOR UPDATE;
              END IF;
              RETURN QUERY SELECT min(p.position), max(p.position), count(*), max(p.shard_count) FROM {{table}} p WHERE p.projection = p_slot_key;
            END
            $fn$
            """,
            $$"""
            CREATE OR REPLACE FUNCTION {{s.Schema.Quoted}}.keep_generation_slots(p_slot_key text)
            RETURNS void LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
              UPDATE {{table}} p SET epoch = p.epoch + 1, status = 'kept' WHERE p.projection = p_slot_key
            $fn$
            """,
            $$"""
            CREATE OR REPLACE FUNCTION {{s.Schema.Quoted}}.lock_slot_epoch(p_slot text)
            RETURNS bigint LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
              SELECT p.epoch FROM {{table}} p WHERE p.name = p_slot FOR UPDATE
            $fn$
            """,
        ];
    }

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
    /// shard count: the start of a shadow rebuild (docs/versions.md).
    /// </summary>
    public IEnumerable<NpgsqlBatchCommand> ResetSlotsCommands(string key, IReadOnlyList<string> slotNames)
    {
        var upsert = new NpgsqlBatchCommand($"""
            INSERT INTO {table} AS p (name, projection, shard, shard_count, epoch, status)
            SELECT s.name, $1, (s.ord - 1)::int, $3, (SELECT coalesce(max(epoch), 0) + 1 FROM {table} WHERE projection = $1), 'rebuilding'
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
            INSERT INTO {table} AS p (name, projection, shard, shard_count, epoch, status)
            SELECT s.name, $1, (s.ord - 1)::int, $3, (SELECT coalesce(max(epoch), 0) + 1 FROM {table} WHERE projection = $1), 'rebuilding'
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
