using ProjectionGen.Locking;

namespace ProjectionGen.Daemon;

/// <summary>
/// What a lock loss does to this node's slots: each running agent's ownership is marked lost (logged and raised once,
/// so that its next commit is refused without a round trip), and paused slots, whose lock went too, are forgotten
/// (docs/daemon.md, "Detection and failover").
/// </summary>
internal sealed class SlotLockLoss
{
    private readonly AgentServices services;
    private readonly IReadOnlyList<ProjectionSlot> slots;
    private readonly Dictionary<long, ProjectionSlot> slotsByKey;
    private readonly Lock gate;

    public SlotLockLoss(AgentServices services, IReadOnlyList<ProjectionSlot> slots, Lock gate)
    {
        this.services = services;
        this.slots = slots;
        this.gate = gate;
        slotsByKey = slots.ToDictionary(s => s.LockKey.Value);
    }

    /// <summary>The heartbeat found the locks of <paramref name="lostKeys"/> no longer granted to this session.</summary>
    public void KeysNotGranted(IEnumerable<long> lostKeys)
    {
        foreach (var key in lostKeys)
        {
            if (slotsByKey.TryGetValue(key, out var slot))
            {
                if (slot.Agent is { } agent)
                {
                    services.ReportLockLost(agent.Ownership, LockLossCause.HeartbeatNotGranted);
                }

                lock (gate)
                {
                    slot.Paused = false;
                }
            }
        }
    }

    /// <summary>
    /// The lock connection failed (or was refused when opened): logs it, and marks every ownership lost. Returns whether
    /// the connection was refused (a standby, a proxy, or the node's name in use) rather than lost.
    /// </summary>
    public bool SessionFailed(Exception failure, bool wasOpen)
    {
        var refused = failure as LockConnectionRefusedException;
        var cause = refused is not null ? "lock connection refused" : LockLossCause.Describe(failure);
        if (refused is not null)
        {
            DaemonLog.LockConnectionRefused(services.Logger, services.Options.NodeName, refused.Message);
        }
        else if (wasOpen)
        {
            DaemonLog.LockConnectionLost(services.Logger, services.Options.NodeName, cause, failure);
        }

        SessionLost(cause);
        return refused is not null;
    }

    private void SessionLost(string cause)
    {
        lock (gate)
        {
            foreach (var slot in slots)
            {
                if (slot.Agent is { } agent)
                {
                    services.ReportLockLost(agent.Ownership, cause);
                }

                // The locks of paused slots went with the session too, and so does a resume asked of this node.
                slot.Paused = false;
                slot.ResumeRequested = false;
            }
        }
    }
}
