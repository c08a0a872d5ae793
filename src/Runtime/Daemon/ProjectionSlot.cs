using ProjectionGen.EventStore;
using ProjectionGen.Locking;

namespace ProjectionGen.Daemon;

/// <summary>
/// A node's bookkeeping for one slot (a projection, or one shard of it): its lock key, its current agent if any, and
/// the ownership loop's memory of it (pause, handoff, when it may contend again, since when nobody owns it).
/// </summary>
internal sealed class ProjectionSlot
{
    public ProjectionSlot(ProjectionSetup setup, int shard, AdvisoryLockKey lockKey)
    {
        Setup = setup;
        Shard = shard;
        LockKey = lockKey;
        Name = ProjectionSetup.SlotName(setup.Key, shard, setup.Shards);
        Filter = setup.Shards == 1 ? null : new ShardFilter(shard, setup.Shards);
    }

    public ProjectionSetup Setup { get; }

    /// <summary>The slot's name: its progress row, its lock's identity in logs, metrics and status.</summary>
    public string Name { get; }

    public int Shard { get; }

    public AdvisoryLockKey LockKey { get; }

    /// <summary>The slot's share of the events, or <see langword="null"/> for an unsharded projection.</summary>
    public ShardFilter? Filter { get; }

    /// <summary>The agent of the current ownership; <see langword="null"/> while the node does not own the slot.</summary>
    public SubscriptionAgent? Agent { get; set; }

    /// <summary>Paused on a poison event: the node keeps the lock and runs no agent until resumed.</summary>
    public bool Paused { get; set; }

    /// <summary>The epoch under which the node holds the paused slot.</summary>
    public long PausedEpoch { get; set; }

    /// <summary>An operator asked this node to resume the paused slot.</summary>
    public bool ResumeRequested { get; set; }

    /// <summary>The slot's shard count changed in the database (a rebuild resharded it): this node no longer runs it.</summary>
    public bool Retired { get; set; }

    /// <summary>
    /// A newer shape of the slot's generation is registered (or this node's was refused): this node neither tries nor
    /// advertises it (docs/cluster.md, "Shapes across code versions").
    /// </summary>
    public bool ShapeFenced { get; set; }

    /// <summary>The node does not contend for the lock before this time (jittered backoff after a stop or a handoff).</summary>
    public DateTimeOffset NotBefore { get; set; }

    /// <summary>The node does not take the slot through the placement fallback before this time (just after handing it away).</summary>
    public DateTimeOffset FallbackNotBefore { get; set; }

    /// <summary>Why the running agent was asked to give the slot away (rebalance or drain), or <see langword="null"/>.</summary>
    public string? HandoffCause { get; set; }

    /// <summary>The node the slot is being handed to.</summary>
    public string? HandoffTarget { get; set; }

    /// <summary>When this node last handed the slot away.</summary>
    public DateTimeOffset? HandedOffAt { get; set; }

    /// <summary>No handoff of this slot before this time: it came back after a handoff that did not take.</summary>
    public DateTimeOffset HandoffBackoffUntil { get; set; }

    /// <summary>Since when the last cluster view saw nobody holding the slot's lock; <see langword="null"/> while held.</summary>
    public DateTimeOffset? UnownedSince { get; set; }

    /// <summary>The ownership loop tries to switch readers to this slot's building generation no earlier than this (docs/versions.md).</summary>
    public DateTimeOffset NextSwitchAttempt { get; set; }

    public long LastEpoch { get; set; }

    public long LastPosition { get; set; }

    public DateTimeOffset? LastCommitAt { get; set; }

    public string? LastStopReason { get; set; }

    /// <summary>Whether this node holds the slot's lock (running it, or holding it paused).</summary>
    public bool IsHeld => Agent is not null || Paused;

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
