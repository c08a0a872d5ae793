using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.Locking;

namespace ProjectionGen.Daemon;

/// <summary>
/// A node's graceful stop: stops every agent, giving each lock back (with a notification) as soon as its agent has
/// stopped, keeps the node's heartbeat alive meanwhile, gives back paused slots and deregisters. After a hard stop,
/// agents that ignore cancellation are waited for at most <see cref="ProjectionDaemonOptions.HeartbeatTimeout"/>; their
/// commits are fenced anyway (docs/daemon.md, "Detection and failover").
/// </summary>
internal sealed class NodeShutdown
{
    private readonly ProjectionDaemonOptions options;
    private readonly AgentServices services;
    private readonly NodeRegistry registry;
    private readonly NodeMembership membership;
    private readonly Lock gate;

    public NodeShutdown(ProjectionDaemonOptions options, AgentServices services, NodeRegistry registry, NodeMembership membership, Lock gate)
    {
        this.options = options;
        this.services = services;
        this.registry = registry;
        this.membership = membership;
        this.gate = gate;
    }

    /// <summary>Stops the agents of <paramref name="slots"/> and leaves the cluster; disposes <paramref name="connection"/>.</summary>
    public async Task LeaveAsync(LockConnection? connection, IReadOnlyList<ProjectionSlot> slots, CancellationToken hardStop)
    {
        foreach (var slot in slots)
        {
            slot.Agent?.RequestStop("daemon stopping");
        }

        DateTimeOffset? abandonAt = null;
        while (slots.Any(s => s.Agent is not null))
        {
            var running = slots.Where(s => s.Agent is not null).Select(s => s.Agent!.Completion).ToList();
            if (hardStop.IsCancellationRequested)
            {
                abandonAt ??= services.Time.GetUtcNow() + options.HeartbeatTimeout;
                if (services.Time.GetUtcNow() >= abandonAt)
                {
                    break;
                }
            }

            await Task.WhenAny(Task.WhenAny(running), Task.Delay(options.HeartbeatInterval, services.Time, CancellationToken.None)).ConfigureAwait(false);
            foreach (var slot in slots)
            {
                if (slot.Agent is { Completion.IsCompleted: true } agent)
                {
                    await TryReleaseAsync(connection, slot).ConfigureAwait(false);
                    lock (gate)
                    {
                        slot.Retire(agent);
                    }
                }
            }

            await TryRenewHeartbeatAsync(connection, slots).ConfigureAwait(false);
        }

        if (connection is null)
        {
            return;
        }

        foreach (var slot in slots.Where(s => s.Paused))
        {
            await TryReleaseAsync(connection, slot).ConfigureAwait(false);
        }

        try
        {
            await membership.DeregisterAsync(connection, CancellationToken.None).ConfigureAwait(false);
            DaemonLog.NodeDeregistered(services.Logger, options.NodeName);
        }
        catch (Exception failure) when (failure is NpgsqlException or IOException or InvalidOperationException)
        {
            // Closing the session below ends the registration's liveness as well; the row is pruned later.
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Takes whatever agents are left (abandoned after a hard stop) out of their slots and forgets pauses.</summary>
    public void Clear(IReadOnlyList<ProjectionSlot> slots)
    {
        lock (gate)
        {
            foreach (var slot in slots)
            {
                if (slot.Agent is { } agent)
                {
                    slot.Retire(agent);
                }

                slot.Paused = false;
            }
        }
    }

    private async Task TryReleaseAsync(LockConnection? connection, ProjectionSlot slot)
    {
        if (connection is null)
        {
            return;
        }

        try
        {
            await connection.ReleaseAsync(slot.LockKey, registry.ClusterChannel, slot.Name, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is NpgsqlException or IOException or InvalidOperationException)
        {
            // The session is gone, and with it the lock; closing the connection below releases whatever is left.
        }
    }

    private async Task TryRenewHeartbeatAsync(LockConnection? connection, IReadOnlyList<ProjectionSlot> slots)
    {
        if (connection is null)
        {
            return;
        }

        try
        {
            await membership.RenewAsync(connection, slots.Count(s => s.IsHeld), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is NpgsqlException or IOException or InvalidOperationException)
        {
            // Nothing left to keep alive.
        }
    }
}
