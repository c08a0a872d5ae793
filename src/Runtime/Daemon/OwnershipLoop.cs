using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.Generations;
using ProjectionGen.Guard;
using ProjectionGen.Locking;
using ProjectionGen.Progress;

namespace ProjectionGen.Daemon;

/// <summary>
/// A node's one ownership loop, the only user of its lock connection: a scheduler that decides when to heartbeat
/// (<see cref="HeartbeatReader"/>), plan (<see cref="ClusterPlacement"/>), hand off (<see cref="SlotHandoff"/>), evict
/// (<see cref="NodeEviction"/>), acquire (<see cref="SlotAcquirer"/>), switch versions (<see cref="GenerationSwitcher"/>),
/// reap (<see cref="SlotReaper"/>) and stop (<see cref="SupersededAgents"/>, <see cref="UnprojectedGenerations"/>,
/// <see cref="NodeShutdown"/>), and leaves the how to them. It takes the slots placement gives it, or any slot nobody has
/// owned for <see cref="ProjectionDaemonOptions.PlacementFallback"/>. A broken lock session fails the loop's wait at once
/// and every ownership is marked lost (<see cref="SlotLockLoss"/>).
/// </summary>
/// <remarks>
/// Placement only decides who tries: every commit is fenced by epoch on the server (<see cref="ProjectionGuard"/>), so a
/// wrong, stale or racing placement decision costs time, never correctness (docs/cluster.md).
/// </remarks>
internal sealed class OwnershipLoop
{
    private static readonly TimeSpan MaxLoopSleep = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MinReplanSpacing = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan HandoffBackoff = TimeSpan.FromSeconds(30);

    private readonly ProjectionDaemonOptions options;
    private readonly AgentServices services;
    private readonly IReadOnlyList<ProjectionSlot> slots;
    private readonly NodeRegistry registry;
    private readonly string lockConnectionString;
    private readonly string lockApplicationName;
    private readonly string eventsChannel;
    private readonly Lock gate;
    private readonly NodeMembership membership;
    private readonly HeartbeatReader heartbeat;
    private readonly SupersededAgents superseded;
    private readonly SlotLockLoss lockLoss;
    private readonly UnprojectedGenerations unprojected;
    private readonly SlotHandoff handoff;
    private readonly NodeEviction eviction;
    private readonly SlotAcquirer acquirer;
    private readonly GenerationSwitcher switcher;
    private readonly SlotReaper reaper;
    private readonly NodeShutdown shutdown;
    private LockConnection? connection;
    private bool draining;
    private volatile bool replanRequested;
    private volatile bool healthy;
    private ClusterView view = ClusterView.Empty();
    private ClusterPlacement placement = ClusterPlacement.None();
    private string placementSummary = "";

    public OwnershipLoop(
        ProjectionDaemonOptions options,
        AgentServices services,
        IReadOnlyList<ProjectionSlot> slots,
        ProgressTable progress,
        NodeRegistry registry,
        string lockApplicationName,
        Lock gate,
        ProjectionVersionTable versions,
        SupersededAgents superseded)
    {
        this.options = options;
        this.services = services;
        this.slots = slots;
        this.registry = registry;
        this.lockApplicationName = lockApplicationName;
        this.gate = gate;
        this.superseded = superseded;
        lockLoss = new SlotLockLoss(services, slots, gate);
        lockConnectionString = options.LockConnectionString ?? options.ConnectionString!;
        eventsChannel = services.Store.NotificationChannel;
        membership = new NodeMembership(registry, options, slots);
        heartbeat = new HeartbeatReader(registry, progress, versions, options, services.Time);
        unprojected = new UnprojectedGenerations(options, services, registry, gate);
        handoff = new SlotHandoff(registry, options, services, gate);
        eviction = new NodeEviction(registry, options, services);
        acquirer = new SlotAcquirer(options, services, progress, registry, gate, slots);
        switcher = new GenerationSwitcher(options, services, versions, new HistoryTable(progress.Schema), membership);
        reaper = new SlotReaper(options, services, progress, registry, handoff, gate);
        shutdown = new NodeShutdown(options, services, registry, membership, gate);
    }

    private string NodeName => options.NodeName;

    /// <summary>Whether the lock connection is open and its last heartbeat succeeded.</summary>
    public bool IsHealthy => healthy;

    /// <summary>
    /// Opens the lock connection (refusing a standby or a pooling proxy), sets its idle-session timeout to the eviction
    /// timeout, LISTENs, and registers the node.
    /// </summary>
    /// <exception cref="LockConnectionRefusedException">A standby, a proxy, or another live node with this name.</exception>
    public async Task<LockConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var opened = await LockConnection.OpenAsync(lockConnectionString, lockApplicationName, [eventsChannel, registry.ClusterChannel], options.EvictionTimeout, cancellationToken).ConfigureAwait(false);
        try
        {
            opened.Notification += OnNotification;
            await membership.RegisterAsync(opened, draining, cancellationToken).ConfigureAwait(false);
            await membership.NotifyAsync(opened, "join:" + NodeName, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await opened.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        healthy = true;
        DaemonLog.LockConnectionOpened(services.Logger, NodeName, opened.Identity.BackendPid);
        DaemonLog.NodeRegistered(services.Logger, NodeName, membership.AdvertisedText, membership.CapacityText);
        return opened;
    }

    /// <summary>Runs until <paramref name="stop"/>, then stops gracefully (each lock released as its agent stops).</summary>
    public async Task RunAsync(LockConnection? first, CancellationToken stop, CancellationToken hardStop)
    {
        connection = first;
        var nextHeartbeat = services.Time.GetUtcNow();
        var nextAcquire = services.Time.GetUtcNow();
        var lastHeartbeat = DateTimeOffset.MinValue;
        var reconnects = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (connection is null)
                {
                    connection = await ConnectAsync(stop).ConfigureAwait(false);
                    reconnects = 0;
                    nextHeartbeat = services.Time.GetUtcNow();
                }

                await reaper.ReapAsync(connection, slots, hardStop).ConfigureAwait(false);
                var now = services.Time.GetUtcNow();
                if (now >= nextHeartbeat || (replanRequested && now - lastHeartbeat >= MinReplanSpacing))
                {
                    replanRequested = false;
                    await HeartbeatAsync(connection, stop).ConfigureAwait(false);
                    lastHeartbeat = services.Time.GetUtcNow();
                    nextHeartbeat = lastHeartbeat + options.HeartbeatInterval;

                    // A fresh view is the best moment to take what placement gives this node.
                    nextAcquire = lastHeartbeat;
                }

                if (services.Time.GetUtcNow() >= nextAcquire)
                {
                    await AcquireAsync(connection, stop, hardStop).ConfigureAwait(false);
                    if (acquirer.ShapeFencesChanged)
                    {
                        // A newer shape took a generation from this node: advertise without it, and let the others replan.
                        acquirer.ShapeFencesChanged = false;
                        await membership.RegisterAsync(connection, draining, stop).ConfigureAwait(false);
                        await membership.NotifyAsync(connection, "shape:" + NodeName, stop).ConfigureAwait(false);
                        DaemonLog.NodeRegistered(services.Logger, NodeName, membership.AdvertisedText, membership.CapacityText);
                    }
                    nextAcquire = services.Time.GetUtcNow() + Jitter.Of(options.AcquireInterval);
                }

                if (await switcher.TrySwitchAsync(connection, slots, view, stop).ConfigureAwait(false))
                {
                    replanRequested = true;
                }

                // Sleep on the lock connection itself: a notification wakes agents or replans at once, a broken session
                // fails the wait.
                var until = nextHeartbeat < nextAcquire ? nextHeartbeat : nextAcquire;
                var wait = until - services.Time.GetUtcNow();
                wait = wait > MaxLoopSleep ? MaxLoopSleep : wait;
                if (wait > TimeSpan.Zero && !replanRequested)
                {
                    await connection.WaitForNotificationAsync(wait, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception failure)
            {
                if (!await RecoverAsync(failure, ++reconnects, stop).ConfigureAwait(false))
                {
                    break;
                }
            }
        }

        await shutdown.LeaveAsync(connection, slots, hardStop).ConfigureAwait(false);
        connection = null;
        healthy = false;
        shutdown.Clear(slots);
    }

    /// <summary>Asks the loop to resume a paused slot of <paramref name="projection"/>; see <see cref="ProjectionDaemon.Resume"/>.</summary>
    public bool RequestResume(string projection) => reaper.RequestResume(slots, projection);

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel == eventsChannel)
        {
            // Before waking anyone: the agents must see a mark read after this append committed.
            services.Marks.Invalidate();
            foreach (var slot in slots)
            {
                slot.Agent?.Wake();
            }
        }
        else
        {
            replanRequested = true;
        }
    }

    /// <summary>After a failure of the lock connection: marks every ownership lost, drops the connection and waits to reconnect; <see langword="false"/> when stopping.</summary>
    private async Task<bool> RecoverAsync(Exception failure, int reconnects, CancellationToken stop)
    {
        healthy = false;
        var refused = lockLoss.SessionFailed(failure, connection is not null);
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            connection = null;
        }

        var delay = Jitter.Of(options.RetryDelayFor(reconnects));
        if (!refused)
        {
            DaemonLog.LockConnectionUnavailable(services.Logger, NodeName, delay, failure);
        }

        try
        {
            await Task.Delay(delay, services.Time, stop).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task HeartbeatAsync(LockConnection lockConnection, CancellationToken stop)
    {
        var owned = slots.Where(s => s.Paused || s.Agent is { Ownership.LostCause: null }).ToList();
        var seen = await heartbeat.ReadAsync(lockConnection, slots.Count(s => s.IsHeld), [.. owned.Select(s => s.Name)], stop).ConfigureAwait(false);
        healthy = true;
        if (seen.Registered)
        {
            draining = seen.Draining;
        }
        else
        {
            // The row was pruned, or taken over while this node looked dead: take it back (or learn the name is in use),
            // and plan only from a view that includes this node, or it would hand every slot away.
            await membership.RegisterAsync(lockConnection, draining, stop).ConfigureAwait(false);
            replanRequested = true;
        }

        lockConnection.ForgetLost(seen.LostKeys);
        lockLoss.KeysNotGranted(seen.LostKeys);
        view = seen.View;
        await superseded.StopAsync(lockConnection, owned, seen.Epochs, view, stop).ConfigureAwait(false);
        await unprojected.StopAsync(lockConnection, slots, view, stop).ConfigureAwait(false);
        var now = services.Time.GetUtcNow();
        foreach (var slot in slots)
        {
            // A generation nobody runs (kept, or a lane never built) is not "unowned": when it starts building, its planned
            // node goes first, as for any new slot.
            slot.UnownedSince = view.Holders.ContainsKey(slot.LockKey.Value) || !view.IsProjected(slot.Setup.Generation) ? null : slot.UnownedSince ?? now;
        }

        if (!seen.Registered)
        {
            return;
        }

        UpdatePlan();
        await handoff.RequestHandoffsAsync(lockConnection, slots, placement, view, draining, stop).ConfigureAwait(false);
        if (await eviction.EvictHungNodesAsync(lockConnection, view, stop).ConfigureAwait(false))
        {
            replanRequested = true;
        }
    }

    private void UpdatePlan()
    {
        placement = ClusterPlacement.Compute(view, NodeName, options.EvictionTimeout);
        var assigned = placement.AssignedTo(NodeName);
        var summary = $"{placement.LiveNodes}/{assigned}/{placement.ClusterSlots}/{draining}";
        if (summary != placementSummary)
        {
            placementSummary = summary;
            DaemonLog.PlacementChanged(services.Logger, NodeName, placement.LiveNodes, assigned, placement.ClusterSlots, draining ? " (draining)" : "");
        }
    }

    /// <summary>Tries the slots placement gives this node, and, as a fallback, those nobody has owned for too long.</summary>
    private async Task AcquireAsync(LockConnection lockConnection, CancellationToken stop, CancellationToken hardStop)
    {
        var now = services.Time.GetUtcNow();
        var capacity = options.Capacity ?? int.MaxValue;
        var held = slots.Count(s => s.IsHeld);
        foreach (var slot in slots)
        {
            if (stop.IsCancellationRequested || held >= capacity)
            {
                return;
            }

            if (slot.IsHeld || slot.Retired || slot.ShapeFenced || now < slot.NotBefore || !options.PinsAllow(slot.Setup.Name) || !view.IsProjected(slot.Setup.Generation))
            {
                continue;
            }

            if (!slot.Setup.Versioned && view.StateOf(slot.Setup.Generation) == GenerationStates.Building)
            {
                // An event projection that declares no tables writes them by name, that is into the live generation's copies
                // (docs/versions.md, "Event projections"): it runs its generation only while that one is live.
                continue;
            }

            placement.Plan.TryGetValue(slot.Name, out var planned);
            var wanted = planned == NodeName;
            if (!wanted)
            {
                // Fallback: nobody took it within the bound (its planned node is slow, or no node may run it now).
                // A draining node falls back only for slots no other node can run.
                var unownedTooLong = slot.UnownedSince is { } since && now - since >= options.PlacementFallback;
                if (!unownedTooLong || now < slot.FallbackNotBefore || (draining && planned is not null))
                {
                    continue;
                }
            }
            else if (view.Holders.ContainsKey(slot.LockKey.Value))
            {
                // Its holder is handing it over: its release notifies, and the replan that follows tries again.
                continue;
            }

            if (await acquirer.TryTakeAsync(lockConnection, slot, stop, hardStop).ConfigureAwait(false))
            {
                held++;
                if (!wanted && slot.HandedOffAt is { } handedOff && now - handedOff < HandoffBackoff)
                {
                    // The slot came back: the node it was handed to did not take it. Keep it a while instead of flapping.
                    slot.HandoffBackoffUntil = now + HandoffBackoff;
                }
            }
        }
    }
}
