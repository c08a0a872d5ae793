namespace ProjectionGen.Chaos.Runner;

/// <summary>The faults the runner injects (docs/chaos.md).</summary>
internal enum FaultKind
{
    /// <summary>Fast restart of PostgreSQL (57P01 for every session).</summary>
    ServerRestart,

    /// <summary>Immediate shutdown (a crash: WAL recovery on start), then start.</summary>
    ServerCrash,

    /// <summary>The server stopped for a few seconds, then started.</summary>
    ServerHeldDown,

    /// <summary><c>pg_terminate_backend</c> of a node's lock connection.</summary>
    TerminateLockConnection,

    /// <summary><c>pg_terminate_backend</c> of a node's batch connections.</summary>
    TerminateBatchConnections,

    /// <summary>Both at once.</summary>
    TerminateBoth,

    /// <summary>SIGSTOP of a node for less than the eviction timeout, then SIGCONT: nothing may move, and nothing break.</summary>
    PauseNode,

    /// <summary>
    /// SIGSTOP of a node; its lock backend is terminated meanwhile (as TCP keepalives would notice a dead host), then
    /// SIGCONT: it must be fenced when it wakes.
    /// </summary>
    TerminatePausedLock,

    /// <summary>SIGKILL of a node, restarted a moment later.</summary>
    KillNode,

    /// <summary>SIGTERM of a node (graceful: drain and release), restarted a moment later.</summary>
    GracefulRestartNode,

    /// <summary>A short server-side <c>idle_session_timeout</c> that ends idle sessions, the lock connection's among them (57P05).</summary>
    IdleSessionTimeout,

    /// <summary>A node that is not running starts (a scale-out); the slots rebalance over one more node.</summary>
    JoinNode,

    /// <summary>A running node stops gracefully and stays away (a scale-in); its slots rebalance over the others.</summary>
    LeaveNode,

    /// <summary>A node is drained through the operations API (its slots move away), then undrained a few seconds later.</summary>
    DrainNode,

    /// <summary>
    /// SIGSTOP of a node for longer than the eviction timeout, its sessions left open (the server is not told): the
    /// others must evict it and take its slots; on SIGCONT it must find itself fenced and rejoin.
    /// </summary>
    HungNode,

    /// <summary>
    /// A shadow rebuild of an aggregate projection through the operations API (docs/versions.md): a fresh generation is
    /// built beside the live one under the other faults and the writers, and readers are switched to it once it has
    /// caught up (I11, I12). Each projection is shadow-rebuilt at most once per run (a second one would restart a chain).
    /// </summary>
    ShadowRebuild,

    /// <summary>A switch back to a kept generation (left by a shadow rebuild): it catches up from where it stopped, then readers are switched to it.</summary>
    VersionSwitchBack,

    /// <summary>
    /// Pooler mode only: the pooler is killed and started again on its port (every client and server connection
    /// through it breaks, as in a pooler crash); batches and appends must carry on, nothing paused or dead-lettered.
    /// </summary>
    PoolerRestart,

    /// <summary>
    /// Pooler mode only: <c>pg_terminate_backend</c> of the pooler's server connections (every session in the run's
    /// database but the lock connections and the runner's own); the pooler opens new ones.
    /// </summary>
    TerminatePoolerBackends,

    /// <summary>Tenant mode only: a tenant database not listed (a new one, or one removed before) is inserted into the master table.</summary>
    TenantAdd,

    /// <summary>Tenant mode only: a listed tenant database's row is deleted from the master table (its daemons stop gracefully).</summary>
    TenantRemove,

    /// <summary>Tenant mode only: a tenant database removed and listed again 0.1-1.5 s later, while its old daemons may still be stopping.</summary>
    TenantRemoveReAdd,

    /// <summary>Tenant mode only: the tenant server (half of the tenant databases) stopped for 2-5 s, then started.</summary>
    TenantServerDown,
}
