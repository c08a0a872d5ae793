namespace ProjectionGen.Locking;

/// <summary>
/// Who holds a node's locks: the lock connection's backend pid and its start time. Pids are reused after a server
/// restart, so a pid alone cannot tell the current lock holder from a dead one; the pair can.
/// </summary>
/// <param name="BackendPid">The lock connection's backend process id.</param>
/// <param name="BackendStart">When that backend started (<c>pg_stat_activity.backend_start</c>).</param>
public readonly record struct LockConnectionIdentity(int BackendPid, DateTime BackendStart);
