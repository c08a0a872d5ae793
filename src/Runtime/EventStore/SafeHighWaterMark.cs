using Npgsql;
using NpgsqlTypes;

namespace ProjectionGen.EventStore;

/// <summary>
/// Reads the safe high-water mark: the highest sequence number S such that every event with a sequence number up to
/// S that will ever commit has committed. No timeouts and no guesses.
/// </summary>
/// <remarks>
/// <para>The append protocol (the <c>append_events</c> function) gives every appender three steps in this order:
/// (1) take the shared transaction-level advisory lock on the store's marker key; (2) lock (or create) its stream row,
/// which assigns the transaction its id; (3) draw its sequence numbers from a sequence with CACHE 1, so numbers are
/// handed out in increasing order across all sessions. The marker and the transaction id are held until the
/// transaction ends, and PostgreSQL releases a transaction's locks only after its commit is visible to new snapshots.</para>
/// <para>One statement reads, in this order: a snapshot (the statement's), the maximum sequence number M visible in it,
/// and then, from a single call of <c>pg_locks</c>, the transaction ids of the appenders holding the marker.</para>
/// <para>Claim: every number s &lt;= M that is not visible in the snapshot is either permanently unused (its
/// transaction rolled back or the number was never inserted), or held by a transaction T that is in the appender list,
/// or T has ended (its events are visible to any later snapshot). Why: s &lt; M means s was drawn before M; M's
/// transaction committed before the snapshot, so s was drawn before the snapshot, and T held the marker and its
/// transaction id from before it drew s until it ends. When <c>pg_locks</c> is read (after the snapshot), T is either
/// still running, and so listed, or already ended. An appender holding the marker without a transaction id has not drawn
/// a number yet; whatever it draws later is above M, so it is rightly not waited for.</para>
/// <para>Hence: with no appender in flight, S = M. Otherwise S advances over the run of visible numbers just after
/// the current mark (all committed), and a barrier (M, listed appenders) is remembered; once a later reading finds all
/// of the barrier's appenders ended, S = M of the barrier, even if new appenders are in flight by then. A long-open
/// appender holds the mark back, as it must (it may commit a number below M). A session that never took the marker,
/// such as one idle in a transaction after writing to an unrelated table, is not waited for.</para>
/// <para>Read events up to the mark with a snapshot taken after the mark was read: a new statement in READ COMMITTED
/// (PostgreSQL's default), not inside a REPEATABLE READ transaction begun earlier. Only <c>append_events</c> may write
/// to the events table (schema step 5 enforces it: a trigger refuses any other INSERT or COPY). Read the mark on the primary: a standby's <c>pg_locks</c> does not show the primary's appenders.
/// Reading <c>pg_locks</c> briefly takes the lock manager's partition locks, so poll it at a sensible interval (and
/// wake on the notification channel) rather than in a tight loop.</para>
/// <para>All of this holds while the database keeps its history. Each reading also returns the server's start time,
/// its system identifier (read from the control file only when the start time is not the one already known) and the
/// database's oid; a reading from another server or database, or one that sees a lower maximum than the mark it started
/// from, makes the <see cref="HighWaterMarkTracker"/> start over from 0 and the reading is taken again.</para>
/// </remarks>
internal sealed class SafeHighWaterMark
{
    // How many rows past the current mark one reading inspects for the contiguous run; the barrier covers the rest.
    private const int ContiguousWindow = 1000;

    private readonly string sql;
    private readonly long markerClassId;
    private readonly long markerObjectId;
    private readonly bool prepare;

    public SafeHighWaterMark(PostgresIdentifier schema, long appendMarkerKey, bool prepare)
    {
        this.prepare = prepare;
        markerClassId = new Locking.AdvisoryLockKey(appendMarkerKey).ClassId;
        markerObjectId = new Locking.AdvisoryLockKey(appendMarkerKey).ObjId;
        var events = schema.Qualify("events");

        // The CTE is MATERIALIZED so that pg_locks is read once: one consistent picture of all locks.
        sql = $"""
            WITH locks AS MATERIALIZED (
              SELECT l.locktype, l.virtualtransaction, l.transactionid::text::bigint AS xid
              FROM pg_catalog.pg_locks l
              WHERE l.granted AND (
                (l.locktype = 'advisory' AND l.objsubid = 1 AND l.classid::bigint = $2 AND l.objid::bigint = $3
                  AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database()))
                OR (l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock'))),
            appenders AS (
              SELECT DISTINCT x.xid FROM locks m
              JOIN locks x ON x.virtualtransaction = m.virtualtransaction AND x.locktype = 'transactionid'
              WHERE m.locktype = 'advisory')
            SELECT
              (SELECT coalesce(max(seq), 0) FROM {events}),
              (SELECT coalesce(max(g.seq), $1) FROM (
                 SELECT w.seq, w.seq - row_number() OVER (ORDER BY w.seq) AS base
                 FROM (SELECT seq FROM {events} WHERE seq > $1 ORDER BY seq LIMIT {ContiguousWindow}) w) g
               WHERE g.base = $1),
              ARRAY(SELECT xid FROM appenders),
              EXISTS (SELECT 1 FROM locks WHERE locktype = 'transactionid' AND xid = ANY($4)),
              pg_catalog.pg_postmaster_start_time(),
              CASE WHEN pg_catalog.pg_postmaster_start_time() IS NOT DISTINCT FROM $5 THEN $6
                   ELSE (SELECT c.system_identifier FROM pg_catalog.pg_control_system() c) END,
              (SELECT d.oid::bigint FROM pg_catalog.pg_database d WHERE d.datname = current_database())
            """;
    }

    // A reading is taken again when the tracker starts over; more than this many in a row means the server keeps
    // changing under the readings, and the (fresh, low) mark of the tracker is returned as it is.
    private const int MaxReadings = 3;

    /// <summary>
    /// Takes a reading on <paramref name="connection"/> and advances <paramref name="tracker"/> with it; when the
    /// reading shows that the database went back in time, the tracker starts over and the reading is taken again.
    /// </summary>
    /// <returns>The mark and the tracker's generation it belongs to.</returns>
    public async Task<(long Mark, long Generation)> ReadAsync(NpgsqlConnection connection, HighWaterMarkTracker tracker, CancellationToken cancellationToken)
    {
        for (var reading = 1; reading < MaxReadings; reading++)
        {
            var observation = await ObserveAsync(connection, tracker, cancellationToken).ConfigureAwait(false);
            if (tracker.TryApply(observation, out var mark))
            {
                return (mark, observation.Generation);
            }
        }

        var last = await ObserveAsync(connection, tracker, cancellationToken).ConfigureAwait(false);
        return tracker.TryApply(last, out var lastMark) ? (lastMark, last.Generation) : tracker.MarkAndGeneration;
    }

    private async Task<HighWaterMarkObservation> ObserveAsync(NpgsqlConnection connection, HighWaterMarkTracker tracker, CancellationToken cancellationToken)
    {
        var (basis, barrier, server, generation) = tracker.Current;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = basis, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = markerClassId, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = markerObjectId, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = barrier?.AppenderXids ?? [], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = server is { } known ? known.StartTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = server is { } same ? same.SystemIdentifier : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });

        if (prepare)
        {
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("The high-water mark query returned no row.");
        }

        return new HighWaterMarkObservation(
            barrier,
            reader.GetBoolean(3),
            reader.GetInt64(0),
            reader.GetInt64(1),
            reader.GetFieldValue<long[]>(2),
            basis,
            generation,
            new ServerIdentity(reader.GetFieldValue<DateTime>(4), reader.GetInt64(5), reader.GetInt64(6)));
    }
}
