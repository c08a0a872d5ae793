using ProjectionGen.EventStore;

namespace ProjectionGen.Progress;

/// <summary>
/// The one owner of the <c>dead_letters</c> table: one row per event a slot could not apply and set aside
/// (<see cref="PoisonEventPolicy.DeadLetter"/>), named by the slot that wrote it (<see cref="SlotNameParts"/>). Every statement
/// against the table is here: its creation, the daemon's insert, the operators' read, count, discard and retry
/// bookkeeping, and the deletes of a rebuild or a retirement (docs/daemon.md, "Moving parts").
/// </summary>
internal sealed class DeadLetterTable
{
    /// <param name="schema">The validated schema.</param>
    /// <param name="maxPayloadChars">The longest payload <see cref="ReadSql"/> returns, in characters.</param>
    public DeadLetterTable(PostgresIdentifier schema, int maxPayloadChars = 16_384)
    {
        var table = schema.Qualify("dead_letters");
        InsertSql = $"INSERT INTO {table} (projection, seq, stream_id, event_type, epoch, node, reason, exception, attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

        // The payload is the event's body by the dead letter's sequence, read through the events table's owner.
        var select = $"""
            SELECT d.id, d.projection, d.seq, d.stream_id, d.event_type, d.epoch, d.node, d.reason, d.exception, d.attempts, d.created_at,
                   {EventStoreSchema.EventBodySql(schema, "d.seq", maxPayloadChars)}
            FROM {table} d
            """;
        ReadSql = select + " ORDER BY d.id DESC LIMIT $1";
        FindSql = select + " WHERE d.id = $1";
        CountSql = $"SELECT count(*) FROM {table}";
        DeleteSql = $"DELETE FROM {table} WHERE id = $1";
        LockSql = $"SELECT projection, seq FROM {table} WHERE id = $1 FOR UPDATE";
        FailedSql = $"UPDATE {table} SET attempts = attempts + 1, exception = $2, created_at = now() WHERE id = $1";
        DeleteOfKeySql = $"DELETE FROM {table} WHERE split_part(projection, '/', 1) = $1";
        this.table = table;
    }

    private readonly string table;

    /// <summary>A scalar subquery: how many dead letters the slot named by <paramref name="slotColumn"/> has (the progress status's column).</summary>
    public string CountOfSlotSql(string slotColumn) => $"(SELECT count(*) FROM {table} d WHERE d.projection = {slotColumn})";

    /// <summary>
    /// Records a dead letter ($1 slot, $2 sequence, $3 stream, $4 event type, $5 epoch, $6 node, $7 reason, $8 exception,
    /// $9 attempts); sent in the batch that commits past the event.
    /// </summary>
    public string InsertSql { get; }

    /// <summary>The newest $1 dead letters with their payloads.</summary>
    public string ReadSql { get; }

    /// <summary>How many dead letters there are in all.</summary>
    public string CountSql { get; }

    /// <summary>One dead letter by id (<c>$1</c>), in <see cref="ReadSql"/>'s columns.</summary>
    public string FindSql { get; }

    /// <summary>Deletes dead letter $1 (a discard, or a retry that applied it).</summary>
    public string DeleteSql { get; }

    /// <summary>Locks dead letter $1 for a retry; returns its slot and sequence.</summary>
    public string LockSql { get; }

    /// <summary>Records a failed retry of dead letter $1 with exception $2.</summary>
    public string FailedSql { get; }

    /// <summary>Deletes every dead letter of every slot of generation key $1 (a rebuild, a shadow rebuild's start, a retirement).</summary>
    public string DeleteOfKeySql { get; }
}
