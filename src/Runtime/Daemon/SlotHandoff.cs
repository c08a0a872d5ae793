using ProjectionGen.Cluster;
using ProjectionGen.Locking;

namespace ProjectionGen.Daemon;

/// <summary>
/// Placement's effects on this node's slots: asks the agents of slots that placement moved to another live node to
/// finish their batch and stop, gives paused slots away at once, and reports each handoff (docs/cluster.md,
/// "Handoff (rebalance and drain)").
/// </summary>
internal sealed class SlotHandoff
{
    private readonly NodeRegistry registry;
    private readonly ProjectionDaemonOptions options;
    private readonly AgentServices services;
    private readonly Lock gate;

    public SlotHandoff(NodeRegistry registry, ProjectionDaemonOptions options, AgentServices services, Lock gate)
    {
        this.registry = registry;
        this.options = options;
        this.services = services;
        this.gate = gate;
    }

    /// <summary>Asks the agents of slots that placement moved to another live node to finish their batch and stop.</summary>
    public async Task RequestHandoffsAsync(LockConnection lockConnection, IReadOnlyList<ProjectionSlot> slots, ClusterPlacement placement, ClusterView view, bool draining, CancellationToken stop)
    {
        var self = options.NodeName;
        var now = services.Time.GetUtcNow();
        var cause = draining ? "drain" : "rebalance";
        foreach (var slot in slots)
        {
            if (!slot.IsHeld || now < slot.HandoffBackoffUntil
                || !placement.Plan.TryGetValue(slot.Name, out var target) || target is null || target == self
                || !view.Nodes.TryGetValue(target, out var receiver) || !receiver.IsLive(options.HeartbeatInterval * 2 + options.HeartbeatTimeout))
            {
                continue;
            }

            if (slot.Agent is { } agent)
            {
                if (!agent.StopRequested && agent.Ownership.LostCause is null)
                {
                    slot.HandoffCause = cause;
                    slot.HandoffTarget = target;
                    agent.RequestStop($"handed off to node {target} ({cause})");
                }
            }
            else if (slot.Paused)
            {
                // A paused slot has no batch to finish: the receiver takes it and keeps it paused.
                await lockConnection.ReleaseAsync(slot.LockKey, registry.ClusterChannel, slot.Name, stop).ConfigureAwait(false);
                lock (gate)
                {
                    slot.Paused = false;
                    slot.FallbackNotBefore = now + options.PlacementFallback;
                    slot.HandedOffAt = now;
                }

                Report(slot, slot.PausedEpoch, target, cause);
            }
        }
    }

    /// <summary>Logs and raises the handoff of <paramref name="slot"/> at <paramref name="epoch"/> to <paramref name="target"/>.</summary>
    public void Report(ProjectionSlot slot, long epoch, string target, string cause)
    {
        DaemonLog.SlotHandedOff(services.Logger, slot.Name, options.NodeName, epoch, target, cause);
        services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.SlotHandedOff, slot.Name, options.NodeName, epoch, services.Time.GetUtcNow(), $"{cause}: handed to node {target}"));
    }
}
