namespace ProjectionGen.EventStore;

/// <summary>
/// Which server and database a high-water-mark reading was taken on. Any change means the history the remembered mark
/// was computed from may be gone (a failover, a restore, a restart after a crash that lost commits), so the mark starts
/// over from what the server says (see <see cref="HighWaterMarkTracker"/>).
/// </summary>
/// <param name="StartTime">The postmaster's start time (<c>pg_postmaster_start_time()</c>): new after every restart, crash or promotion.</param>
/// <param name="SystemIdentifier">The cluster's <c>system_identifier</c> (<c>pg_control_system()</c>): new for every <c>initdb</c>.</param>
/// <param name="DatabaseOid">The database's oid: new when a database of the same name is created again (a logical restore).</param>
internal readonly record struct ServerIdentity(DateTime StartTime, long SystemIdentifier, long DatabaseOid);
