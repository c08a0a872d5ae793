namespace ProjectionGen.Daemon;

/// <summary>A node's bookkeeping for one projection: its current agent, if any, and when it may contend again.</summary>
internal sealed class ProjectionSlot(ProjectionSetup setup)
{
    public ProjectionSetup Setup { get; } = setup;

    /// <summary>The agent of the current ownership; <see langword="null"/> while the node does not own the projection.</summary>
    public SubscriptionAgent? Agent { get; set; }

    /// <summary>Paused on a poison event: the node keeps the lock and runs no agent until resumed.</summary>
    public bool Paused { get; set; }

    /// <summary>An operator asked to resume the paused projection: the node gives the lock back and contends again.</summary>
    public bool ResumeRequested { get; set; }

    /// <summary>The node does not contend for the lock before this time (jittered backoff after a stop).</summary>
    public DateTimeOffset NotBefore { get; set; }

    public long LastEpoch { get; set; }

    public long LastPosition { get; set; }

    public DateTimeOffset? LastCommitAt { get; set; }

    public string? LastStopReason { get; set; }

    /// <summary>Takes the finished agent out of the slot, keeping what status reports need, and disposes it.</summary>
    public void Retire(SubscriptionAgent agent)
    {
        Agent = null;
        LastEpoch = agent.Ownership.Epoch;
        LastPosition = agent.Position;
        LastCommitAt = agent.LastCommitAt;
        LastStopReason = agent.StopReason;
        agent.Ownership.Dispose();
        agent.Dispose();
    }
}
