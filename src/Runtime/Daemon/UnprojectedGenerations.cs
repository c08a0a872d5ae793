using ProjectionGen.Cluster;
using ProjectionGen.Locking;

namespace ProjectionGen.Daemon;

/// <summary>
/// Stops this node's agents, and gives back its paused slots, of generations that are no longer building or live: a
/// generation a switch replaced (kept) or an operator retired (docs/versions.md, "The table and its states").
/// </summary>
internal sealed class UnprojectedGenerations
{
    private readonly ProjectionDaemonOptions options;
    private readonly AgentServices services;
    private readonly Cluster.NodeRegistry registry;
    private readonly Lock gate;

    public UnprojectedGenerations(ProjectionDaemonOptions options, AgentServices services, Cluster.NodeRegistry registry, Lock gate)
    {
        this.options = options;
        this.services = services;
        this.registry = registry;
        this.gate = gate;
    }

    /// <summary>Stops the held slots of <paramref name="slots"/> whose generation <paramref name="view"/> says the nodes no longer run.</summary>
    public async Task StopAsync(LockConnection lockConnection, IReadOnlyList<ProjectionSlot> slots, ClusterView view, CancellationToken stop)
    {
        foreach (var slot in slots)
        {
            if (!slot.IsHeld || view.IsProjected(slot.Setup.Generation))
            {
                continue;
            }

            if (slot.Agent is { } agent)
            {
                if (!agent.StopRequested && agent.Ownership.LostCause is null)
                {
                    var state = view.StateOf(slot.Setup.Generation);
                    DaemonLog.GenerationStopped(services.Logger, slot.Name, options.NodeName, state);
                    agent.RequestStop($"generation {slot.Setup.Generation.Label} of {slot.Setup.Name} is {state}");
                }
            }
            else if (slot.Paused)
            {
                await lockConnection.ReleaseAsync(slot.LockKey, registry.ClusterChannel, slot.Name, stop).ConfigureAwait(false);
                lock (gate)
                {
                    slot.Paused = false;
                }
            }
        }
    }
}
