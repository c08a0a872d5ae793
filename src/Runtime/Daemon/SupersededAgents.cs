using ProjectionGen.Cluster;
using ProjectionGen.Locking;

namespace ProjectionGen.Daemon;

/// <summary>
/// The one place that stops this node's agents whose epoch was superseded (a rebuild, a resume, a takeover bumped the
/// slot's epoch elsewhere). The next commit of such an agent would be fenced anyway, but an idle agent never commits and
/// a paused slot has no agent: they are stopped here, so that the lock is given back (docs/daemon.md, "Detection and
/// failover"). Called by the ownership loop's heartbeat and by the cluster monitor's status sample.
/// </summary>
internal sealed class SupersededAgents
{
    private readonly AgentServices services;
    private readonly NodeRegistry registry;
    private readonly Lock gate;
    private readonly Dictionary<string, ProjectionSlot> slotsByName;

    public SupersededAgents(AgentServices services, NodeRegistry registry, Lock gate, IReadOnlyList<ProjectionSlot> slots)
    {
        this.services = services;
        this.registry = registry;
        this.gate = gate;
        slotsByName = slots.ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    /// <summary>Stops this node's agent of <paramref name="slotName"/> when it runs under an epoch older than <paramref name="currentEpoch"/>.</summary>
    /// <returns>Whether an agent was told to stop.</returns>
    public bool StopIfSuperseded(string slotName, long currentEpoch) =>
        slotsByName.TryGetValue(slotName, out var slot) && StopIfSuperseded(slot, currentEpoch);

    /// <summary>
    /// The heartbeat's sweep over the slots this node owned when it sent the heartbeat, with their progress rows' epochs:
    /// stops superseded agents, and gives back paused slots whose epoch moved on. A generation a switch replaced (its epoch
    /// bumped by the switch, docs/versions.md) is no loss: <see cref="UnprojectedGenerations"/> stops it.
    /// </summary>
    public async Task StopAsync(LockConnection lockConnection, IReadOnlyList<ProjectionSlot> owned, IReadOnlyDictionary<string, long> epochs, ClusterView view, CancellationToken stop)
    {
        foreach (var slot in owned)
        {
            if (!epochs.TryGetValue(slot.Name, out var epoch))
            {
                continue;
            }

            if (slot.Agent is not null)
            {
                if (view.IsProjected(slot.Setup.Generation))
                {
                    StopIfSuperseded(slot, epoch);
                }
            }
            else if (slot.Paused && epoch > slot.PausedEpoch)
            {
                await lockConnection.ReleaseAsync(slot.LockKey, registry.ClusterChannel, slot.Name, stop).ConfigureAwait(false);
                lock (gate)
                {
                    slot.Paused = false;
                    slot.NotBefore = services.Time.GetUtcNow();
                }
            }
        }
    }

    private bool StopIfSuperseded(ProjectionSlot slot, long currentEpoch)
    {
        if (slot.Agent is { } agent && agent.Ownership.Epoch < currentEpoch)
        {
            services.ReportLockLost(agent.Ownership, ProjectionDaemon.SupersededCause);
            return true;
        }

        return false;
    }
}
