using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.Locking;
using ProjectionGen.Progress;

namespace ProjectionGen.Daemon;

/// <summary>
/// Takes stopped agents out of their slots on the ownership loop: records pauses (a paused slot keeps its lock), gives
/// every other lock back with the backoff its stop calls for (handoff, failure, lock loss), and carries out the resumes
/// an operator asked of this node (docs/daemon.md, "Detection and failover").
/// </summary>
internal sealed class SlotReaper
{
    private readonly ProjectionDaemonOptions options;
    private readonly AgentServices services;
    private readonly ProgressTable progress;
    private readonly NodeRegistry registry;
    private readonly SlotHandoff handoff;
    private readonly Lock gate;

    public SlotReaper(ProjectionDaemonOptions options, AgentServices services, ProgressTable progress, NodeRegistry registry, SlotHandoff handoff, Lock gate)
    {
        this.options = options;
        this.services = services;
        this.progress = progress;
        this.registry = registry;
        this.handoff = handoff;
        this.gate = gate;
    }

    /// <summary>Asks for the resume of the paused slots of <paramref name="projection"/> (a projection or slot name); <see langword="false"/> when none is paused here.</summary>
    public bool RequestResume(IReadOnlyList<ProjectionSlot> slots, string projection)
    {
        var found = false;
        lock (gate)
        {
            foreach (var slot in slots.Where(s => s.Setup.Name == projection || s.Name == projection))
            {
                if (slot.Paused || slot.Agent?.Status == AgentStatus.Paused)
                {
                    slot.ResumeRequested = true;
                    found = true;
                }
            }
        }

        return found;
    }

    /// <summary>Gives back the locks of stopped agents, records pauses, and carries out resumes.</summary>
    public async Task ReapAsync(LockConnection lockConnection, IReadOnlyList<ProjectionSlot> slots, CancellationToken cancellationToken)
    {
        foreach (var slot in slots)
        {
            if (slot.Paused && slot.ResumeRequested)
            {
                await ResumeAsync(lockConnection, slot, cancellationToken).ConfigureAwait(false);
            }

            if (slot.Agent is not { Completion.IsCompleted: true } agent)
            {
                continue;
            }

            if (agent.Status == AgentStatus.Paused)
            {
                // The pause is recorded in the progress row (fenced by the agent's epoch), so that a node taking the slot
                // later, this one after a lock blip included, keeps it paused until an operator resumes it.
                await using var command = new NpgsqlCommand(progress.MarkPausedSql, lockConnection.Connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slot.Name });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = agent.Ownership.Epoch });
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (agent.Status == AgentStatus.Paused && agent.Ownership.LostCause is null)
            {
                // A paused slot keeps its lock: another node would only pause too.
                lock (gate)
                {
                    slot.Paused = true;
                    slot.PausedEpoch = agent.Ownership.Epoch;
                    slot.Retire(agent);
                }

                continue;
            }

            await lockConnection.ReleaseAsync(slot.LockKey, registry.ClusterChannel, slot.Name, cancellationToken).ConfigureAwait(false);
            Release(slot, agent);
        }
    }

    /// <summary>Retires a stopped agent whose lock was given back, with the backoff its stop calls for.</summary>
    private void Release(ProjectionSlot slot, SubscriptionAgent agent)
    {
        var now = services.Time.GetUtcNow();
        var handedOff = slot.HandoffCause is { } cause && agent.Ownership.LostCause is null ? cause : null;
        var target = slot.HandoffTarget;
        lock (gate)
        {
            if (handedOff is not null)
            {
                // Placement may give it back at once (a drain undone, a node gone); only the fallback waits.
                slot.HandedOffAt = now;
                slot.FallbackNotBefore = now + options.PlacementFallback;
            }
            else if (agent.Ownership.LostCause is null)
            {
                // The agent failed: back off a round before trying again.
                slot.NotBefore = now + Jitter.Of(options.AcquireInterval);
            }
            else
            {
                // The lock was lost (a broken session, a superseded epoch): if placement still wants the slot here, take
                // it back at once; only a fallback take waits, so that a healthy planned node goes first.
                slot.NotBefore = now;
                slot.FallbackNotBefore = now + Jitter.Of(options.AcquireInterval * 2);
            }

            slot.HandoffCause = null;
            slot.HandoffTarget = null;
            slot.Retire(agent);
        }

        if (handedOff is not null)
        {
            handoff.Report(slot, slot.LastEpoch, target ?? "?", handedOff);
        }
    }

    private async Task ResumeAsync(LockConnection lockConnection, ProjectionSlot slot, CancellationToken cancellationToken)
    {
        // A new epoch, so that whichever node takes the slot next starts afresh from the committed position.
        await using (var command = new NpgsqlCommand(progress.ResumeSlotSql, lockConnection.Connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slot.Name });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await lockConnection.ReleaseAsync(slot.LockKey, registry.ClusterChannel, slot.Name, cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            slot.Paused = false;
            slot.ResumeRequested = false;
            slot.NotBefore = services.Time.GetUtcNow();
        }
    }
}
