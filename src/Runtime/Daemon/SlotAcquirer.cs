using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.EventStore;
using ProjectionGen.Guard;
using ProjectionGen.Locking;
using ProjectionGen.Progress;

namespace ProjectionGen.Daemon;

/// <summary>
/// How this node takes a slot: tries its advisory lock, bumps the slot's epoch and reads its position in one statement
/// (with the acquisition's history row, under a bounded <c>lock_timeout</c>), and starts its agent or holds it paused. A
/// slot that cannot be taken gives its lock back: busy (tried again later), kept by a version switch, or retired
/// because a rebuild resharded it (docs/daemon.md, "Acquisition").
/// </summary>
internal sealed class SlotAcquirer
{
    private readonly ProjectionDaemonOptions options;
    private readonly AgentServices services;
    private readonly ProgressTable progress;
    private readonly HistoryTable history;
    private readonly NodeRegistry registry;
    private readonly Lock gate;
    private readonly IReadOnlyList<ProjectionSlot> allSlots;

    public SlotAcquirer(ProjectionDaemonOptions options, AgentServices services, ProgressTable progress, NodeRegistry registry, Lock gate, IReadOnlyList<ProjectionSlot> allSlots)
    {
        this.allSlots = allSlots;
        this.options = options;
        this.services = services;
        this.progress = progress;
        history = new HistoryTable(progress.Schema);
        this.registry = registry;
        this.gate = gate;
    }

    private string NodeName => options.NodeName;

    /// <summary>Tries to take <paramref name="slot"/>; <see langword="true"/> when this node now holds it (running or paused).</summary>
    public async Task<bool> TryTakeAsync(LockConnection lockConnection, ProjectionSlot slot, CancellationToken stop, CancellationToken hardStop) =>
        await lockConnection.TryAcquireAsync(slot.LockKey, stop).ConfigureAwait(false)
        && await StartOwnershipAsync(lockConnection, slot, stop, hardStop).ConfigureAwait(false);

    /// <summary>Bumps the epoch of a slot whose lock was just won and starts its agent (or holds it paused).</summary>
    private async Task<bool> StartOwnershipAsync(LockConnection lockConnection, ProjectionSlot slot, CancellationToken stop, CancellationToken hardStop)
    {
        long epoch;
        long position;
        bool paused;
        try
        {
            // Bump the epoch and read the position in one statement: a position read before the bump could be overtaken
            // by a deposed owner's last commit, and its events would be applied twice. The wait for the row lock is
            // bounded, so that a long rebuild or a stuck commit of one slot never stalls this loop (and every other slot).
            await using var batch = BoundedLockBatch.CreateWithRowLockTimeout(lockConnection.Connection, options);
            batch.BatchCommands.Add(BatchCommands.Create(
                progress.AcquireSql,
                new NpgsqlParameter<string> { TypedValue = slot.Name },
                new NpgsqlParameter<string> { TypedValue = NodeName },
                new NpgsqlParameter<int> { TypedValue = slot.Setup.Shards },
                new NpgsqlParameter<string> { TypedValue = slot.Setup.Shape.Fingerprint }));

            // In the same transaction, after the bump: the acquisition (or move) in the projection history.
            batch.BatchCommands.Add(history.CreateAcquisitionCommand(slot.Name, NodeName));
            await using var reader = await batch.ExecuteReaderAsync(stop).ConfigureAwait(false);
            if (!await reader.ReadAsync(stop).ConfigureAwait(false))
            {
                await reader.DisposeAsync().ConfigureAwait(false);
                await lockConnection.ReleaseAsync(slot.LockKey, registry.ClusterChannel, slot.Name, stop).ConfigureAwait(false);
                if (await IsKeptAsync(lockConnection, slot, stop).ConfigureAwait(false))
                {
                    // A switch replaced this generation (docs/versions.md): not this node's to run until switched back.
                    slot.NotBefore = services.Time.GetUtcNow() + options.HeartbeatInterval;
                    return false;
                }

                if (await IsShapeMismatchAsync(lockConnection, slot, stop).ConfigureAwait(false))
                {
                    await FenceShapeAsync(lockConnection, slot, stop).ConfigureAwait(false);
                    return false;
                }

                slot.Retired = true;
                DaemonLog.SlotRetired(services.Logger, slot.Name, NodeName, $"its progress row is missing or has another shard count than {slot.Setup.Shards}: the projection was resharded by a rebuild; restart this node with the projection's new shard count");
                return false;
            }

            epoch = reader.GetInt64(0);
            position = reader.GetInt64(1);
            paused = reader.GetBoolean(2);
        }
        catch (PostgresException busy) when (busy.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            await lockConnection.ReleaseAsync(slot.LockKey, registry.ClusterChannel, slot.Name, stop).ConfigureAwait(false);
            slot.NotBefore = services.Time.GetUtcNow() + Jitter.Of(options.AcquireInterval * 2);
            DaemonLog.SlotBusy(services.Logger, slot.Name, NodeName);
            return false;
        }

        var ownership = new ProjectionOwnership(slot.Name, NodeName, epoch, position, slot.LockKey, lockConnection.Identity);
        DaemonLog.LockAcquired(services.Logger, slot.Name, NodeName, epoch, position);
        services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.LockAcquired, slot.Name, NodeName, epoch, services.Time.GetUtcNow(), null, position, position));
        if (paused)
        {
            ownership.Dispose();
            lock (gate)
            {
                slot.Paused = true;
                slot.PausedEpoch = epoch;
                slot.LastEpoch = epoch;
                slot.LastPosition = position;
            }

            DaemonLog.SlotHeldPaused(services.Logger, slot.Name, NodeName, epoch);
            return true;
        }

        var agent = new SubscriptionAgent(slot, ownership, services);
        lock (gate)
        {
            slot.Agent = agent;
            slot.LastEpoch = epoch;
            slot.LastPosition = position;
        }

        agent.Start(hardStop);
        return true;
    }

    /// <summary>
    /// Set when an acquisition found a newer shape registered and this node stopped running that generation: the loop
    /// re-registers the node without it, so that placement gives it to nodes with the newest shape.
    /// </summary>
    public bool ShapeFencesChanged { get; set; }

    private async Task<bool> IsShapeMismatchAsync(LockConnection lockConnection, ProjectionSlot slot, CancellationToken stop)
    {
        await using var command = new NpgsqlCommand(progress.ShapeMismatchSql, lockConnection.Connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slot.Name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slot.Setup.Shape.Fingerprint });
        return await command.ExecuteScalarAsync(stop).ConfigureAwait(false) is true;
    }

    /// <summary>A newer shape owns the slot's generation: stop trying it (both lanes) and say which types this node lacks.</summary>
    private async Task FenceShapeAsync(LockConnection lockConnection, ProjectionSlot slot, CancellationToken stop)
    {
        var key = slot.Setup.Generation.AdvertisedKey;
        var check = await ShapeRegistration.RegisterAsync(lockConnection.Connection, progress, key, slot.Setup.Shape, NodeName, register: false, stop).ConfigureAwait(false);
        lock (gate)
        {
            foreach (var fenced in allSlots.Where(s => s.Setup.Generation.AdvertisedKey == key))
            {
                fenced.ShapeFenced = true;
            }
        }

        ShapeFencesChanged = true;
        var lacks = slot.Setup.Shape.Lacks(check.Types);
        DaemonLog.ShapeSuperseded(services.Logger, key, NodeName, lacks.Count == 0 ? "no type it lacks (another set of types)" : string.Join(", ", lacks));
    }

    private async Task<bool> IsKeptAsync(LockConnection lockConnection, ProjectionSlot slot, CancellationToken stop)
    {
        await using var command = new NpgsqlCommand(progress.KeptSql, lockConnection.Connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slot.Name });
        return await command.ExecuteScalarAsync(stop).ConfigureAwait(false) is true;
    }
}
