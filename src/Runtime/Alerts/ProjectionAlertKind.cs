namespace ProjectionGen.Alerts;

/// <summary>What a <see cref="ProjectionAlert"/> reports.</summary>
public enum ProjectionAlertKind
{
    /// <summary>A node lost a projection's lock (the cause says how); its agent stops and the cluster fails over.</summary>
    LockLost = 0,

    /// <summary>A projection's agent stopped on a node.</summary>
    AgentStopped = 1,

    /// <summary>A projection's agent paused on a poison event; it needs an operator.</summary>
    AgentPaused = 2,

    /// <summary>An event was written to the dead-letter table instead of being projected.</summary>
    EventDeadLettered = 3,

    /// <summary>A projection's batch keeps failing with no event to blame; the agent retries with backoff (not paused), but someone should look.</summary>
    BatchStalled = 4,
}
