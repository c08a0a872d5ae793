namespace ProjectionGen.Locking;

/// <summary>
/// The one place where ProjectionGen asks <c>pg_locks</c> who holds a slot's lock (session-level advisory locks of
/// this database: <c>locktype = 'advisory'</c>, <c>objsubid = 1</c>, granted; a bigint key is <c>classid</c> = high
/// 32 bits and <c>objid</c> = low 32 bits, see <see cref="AdvisoryLockKey"/>). The server-side check of the commit and
/// the switch is the SQL function <c>{schema}.holds_slot_lock</c> (schema version 11, <c>EventStore/Migrations/0011_holds_slot_lock.sql</c>); the nodes' heartbeat,
/// the status reader and the lock-holder list run the queries below (docs/daemon.md, "Moving parts"). The safe
/// high-water mark's read of the append marker's holders is a different question and lives with it.
/// </summary>
internal static class SlotLockQuery
{
    // The granted session-level advisory locks of this database; every query below starts from these rows.
    private const string HeldLocks = """
        l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())
        """;

    /// <summary>Every granted advisory lock of this database as its key, with the holder's pid (the nodes' cluster view).</summary>
    public const string HeldKeysSql = $"""
        SELECT (l.classid::bigint << 32) | l.objid::bigint, l.pid FROM pg_catalog.pg_locks l
        WHERE {HeldLocks}
        """;

    /// <summary>
    /// Every granted advisory lock of this database as its key, with the holder's pid, lock mode and application name
    /// (the status reader's view of slot owners, foreign holders and the append marker).
    /// </summary>
    public const string HoldersSql = $"""
        SELECT (l.classid::bigint << 32) | l.objid::bigint, l.pid, l.mode, coalesce(a.application_name, '')
        FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
        WHERE {HeldLocks}
        """;

    /// <summary>Of the keys $1 (bigint[]), those this session no longer holds (the heartbeat's lock check).</summary>
    public const string LostKeysSql = $"""
        SELECT k FROM unnest($1::bigint[]) AS k
        WHERE NOT EXISTS (
          SELECT 1 FROM pg_catalog.pg_locks l
          WHERE {HeldLocks} AND l.pid = pg_backend_pid()
            AND l.classid = ((k >> 32) & 4294967295)::oid AND l.objid = (k & 4294967295)::oid)
        """;

    /// <summary>How many advisory locks session <c>a</c> holds: a correlated subquery over <c>pg_stat_activity a</c>.</summary>
    public const string CountHeldBySessionSql = $"""
        (SELECT count(*) FROM pg_catalog.pg_locks l WHERE l.pid = a.pid AND {HeldLocks})
        """;
}
