namespace ProjectionGen.Chaos.Runner;

/// <summary>The faults the runner injects (design notes, section 5).</summary>
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

    /// <summary>SIGSTOP of a node for longer than the heartbeat; its lock backend is terminated meanwhile (as TCP keepalives would), then SIGCONT: it must be fenced when it wakes.</summary>
    PauseNode,

    /// <summary>SIGKILL of a node, restarted a moment later.</summary>
    KillNode,

    /// <summary>SIGTERM of a node (graceful: drain and release), restarted a moment later.</summary>
    GracefulRestartNode,

    /// <summary>A short server-side <c>idle_session_timeout</c> that ends idle sessions, the lock connection's among them (57P05).</summary>
    IdleSessionTimeout,
}
