using Microsoft.Extensions.Logging;
using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.EventStore;
using ProjectionGen.Guard;
using ProjectionGen.Locking;
using ProjectionGen.Progress;

namespace ProjectionGen.Daemon;

/// <summary>
/// A node's one ownership loop, the only user of its lock connection. Once per heartbeat, in one round trip, it renews
/// the node's registration, verifies every held lock, compares the held slots' epochs with the progress rows and reads
/// the registry and the cluster's advisory locks; from that view it computes placement, hands slots that placement
/// moved to their new node, ends the lock sessions of hung nodes, and takes the slots placement gives it (or any slot
/// nobody has owned for <see cref="ProjectionDaemonOptions.PlacementFallback"/>). A broken lock session fails the
/// loop's wait at once and every ownership is marked lost.
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
    private static readonly TimeSpan PruneAfter = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan SwitchRetryAfterFailure = TimeSpan.FromSeconds(10);

    private readonly ProjectionDaemonOptions options;
    private readonly AgentServices services;
    private readonly IReadOnlyList<ProjectionSlot> slots;
    private readonly Dictionary<string, ProjectionSlot> slotsByName;
    private readonly Dictionary<long, ProjectionSlot> slotsByKey;
    private readonly ProgressTable progress;
    private readonly Versions.ProjectionVersionTable versions;
    private readonly Operations.ProjectionHistory history;
    private readonly NodeRegistry registry;
    private readonly string lockConnectionString;
    private readonly string lockApplicationName;
    private readonly string eventsChannel;
    private readonly string[] advertised;
    private readonly string version;
    private readonly string advertisedText;
    private readonly string capacityText;
    private readonly Lock gate;
    private readonly HashSet<string> evictionFailuresLogged = new(StringComparer.Ordinal);
    private LockConnection? connection;
    private bool draining;
    private volatile bool replanRequested;
    private volatile bool healthy;
    private Dictionary<string, string?> plan = new(StringComparer.Ordinal);
    private Dictionary<string, NodeRecord> nodes = new(StringComparer.Ordinal);
    private Dictionary<long, int> holders = [];
    private Dictionary<string, Dictionary<string, string>> generationStates = new(StringComparer.Ordinal);
    private DateTimeOffset nextPrune;
    private string placementSummary = "";

    public OwnershipLoop(
        ProjectionDaemonOptions options,
        AgentServices services,
        IReadOnlyList<ProjectionSlot> slots,
        ProgressTable progress,
        NodeRegistry registry,
        string lockApplicationName,
        Lock gate,
        Versions.ProjectionVersionTable versions)
    {
        this.versions = versions;
        this.options = options;
        this.services = services;
        this.slots = slots;
        this.progress = progress;
        history = Operations.ProjectionHistory.ForSchema(progress.Schema);
        this.registry = registry;
        this.lockApplicationName = lockApplicationName;
        this.gate = gate;
        slotsByName = slots.ToDictionary(s => s.Name, StringComparer.Ordinal);
        slotsByKey = slots.ToDictionary(s => s.LockKey.Value);
        lockConnectionString = options.LockConnectionString ?? options.ConnectionString!;
        eventsChannel = services.Store.NotificationChannel;

        // A node advertises only the projections its pins let it run: the registry is what every node plans from.
        // One entry per version it runs (both lanes): "name:shards" for version 1, as before versions, "name@v2:shards" else.
        advertised = [.. slots.Select(s => s.Setup).Distinct()
            .Where(setup => !setup.Generation.LaneB && options.PinsAllow(setup.Name))
            .Select(setup => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{setup.Generation.AdvertisedKey}:{setup.Shards}"))];
        version = typeof(OwnershipLoop).Assembly.GetName().Version?.ToString() ?? "unknown";
        advertisedText = string.Join(", ", advertised);
        capacityText = options.Capacity?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited";
    }

    private string NodeName => options.NodeName;

    private ILogger Logger => services.Logger;

    private TimeProvider Time => services.Time;

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
            await RegisterAsync(opened, cancellationToken).ConfigureAwait(false);
            await NotifyAsync(opened, "join:" + NodeName, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await opened.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        healthy = true;
        DaemonLog.LockConnectionOpened(Logger, NodeName, opened.Identity.BackendPid);
        DaemonLog.NodeRegistered(Logger, NodeName, advertisedText, capacityText);
        return opened;
    }

    /// <summary>Runs until <paramref name="stop"/>, then stops gracefully (each lock released as its agent stops).</summary>
    public async Task RunAsync(LockConnection? first, CancellationToken stop, CancellationToken hardStop)
    {
        connection = first;
        var nextHeartbeat = Time.GetUtcNow();
        var nextAcquire = Time.GetUtcNow();
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
                    nextHeartbeat = Time.GetUtcNow();
                }

                await ReapAsync(connection, hardStop).ConfigureAwait(false);
                var now = Time.GetUtcNow();
                if (now >= nextHeartbeat || (replanRequested && now - lastHeartbeat >= MinReplanSpacing))
                {
                    replanRequested = false;
                    await HeartbeatAsync(connection, stop).ConfigureAwait(false);
                    lastHeartbeat = Time.GetUtcNow();
                    nextHeartbeat = lastHeartbeat + options.HeartbeatInterval;

                    // A fresh view is the best moment to take what placement gives this node.
                    nextAcquire = lastHeartbeat;
                }

                if (Time.GetUtcNow() >= nextAcquire)
                {
                    await AcquireAsync(connection, stop, hardStop).ConfigureAwait(false);
                    nextAcquire = Time.GetUtcNow() + Jitter(options.AcquireInterval);
                }

                await TrySwitchAsync(connection, stop).ConfigureAwait(false);

                // Sleep on the lock connection itself: a notification wakes agents or replans at once, a broken session
                // fails the wait.
                var until = nextHeartbeat < nextAcquire ? nextHeartbeat : nextAcquire;
                var wait = until - Time.GetUtcNow();
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
                healthy = false;
                var refused = failure as LockConnectionRefusedException;
                var cause = refused is not null ? "lock connection refused" : LockLossCause.Describe(failure);
                if (refused is not null)
                {
                    DaemonLog.LockConnectionRefused(Logger, NodeName, refused.Message);
                }
                else if (connection is not null)
                {
                    DaemonLog.LockConnectionLost(Logger, NodeName, cause, failure);
                }

                MarkEveryOwnershipLost(cause);
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    connection = null;
                }

                var delay = Jitter(options.RetryDelayFor(++reconnects));
                if (refused is null)
                {
                    DaemonLog.LockConnectionUnavailable(Logger, NodeName, delay, failure);
                }

                try
                {
                    await Task.Delay(delay, Time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        await ShutDownAsync(hardStop).ConfigureAwait(false);
    }

    /// <summary>Asks the loop to resume a paused slot of <paramref name="projection"/>; see <see cref="ProjectionDaemon.Resume"/>.</summary>
    public bool RequestResume(string projection)
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

    /// <summary>Stops this node's agent of <paramref name="slotName"/> when it runs under an epoch older than <paramref name="currentEpoch"/>.</summary>
    public bool StopIfSuperseded(string slotName, long currentEpoch)
    {
        if (slotsByName.TryGetValue(slotName, out var slot) && slot.Agent is { } agent && agent.Ownership.Epoch < currentEpoch)
        {
            services.ReportLockLost(agent.Ownership, ProjectionDaemon.SupersededCause);
            return true;
        }

        return false;
    }

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

    private async Task RegisterAsync(LockConnection lockConnection, CancellationToken cancellationToken)
    {
        await using var command = registry.CreateRegister(lockConnection.Connection, NodeName, version, advertised, [.. options.Tags], options.Capacity, draining);
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            throw new LockConnectionRefusedException(
                $"Another live node is registered as '{NodeName}' (its lock session is open): give every node a unique ProjectionDaemonOptions.NodeName.");
        }
    }

    private async Task NotifyAsync(LockConnection lockConnection, string payload, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(registry.NotifySql, lockConnection.Connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = registry.ClusterChannel });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = payload });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task HeartbeatAsync(LockConnection lockConnection, CancellationToken stop)
    {
        var held = slots.Count(s => s.IsHeld);
        var owned = slots.Where(s => s.Paused || s.Agent is { Ownership.LostCause: null }).ToList();
        var lost = new List<long>();
        var epochs = new Dictionary<string, long>(StringComparer.Ordinal);
        var seenNodes = new Dictionary<string, NodeRecord>(StringComparer.Ordinal);
        var seenHolders = new Dictionary<long, int>();
        var seenStates = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        bool registered;
        await using (var batch = new NpgsqlBatch(lockConnection.Connection) { Timeout = Math.Max(1, (int)Math.Ceiling(options.HeartbeatTimeout.TotalSeconds)) })
        {
            batch.BatchCommands.Add(BatchCommands.Create(registry.HeartbeatSql, new NpgsqlParameter<string> { TypedValue = NodeName }, new NpgsqlParameter<int> { TypedValue = held }));
            batch.BatchCommands.Add(lockConnection.CreateLostKeysCommand());
            batch.BatchCommands.Add(BatchCommands.Create(progress.EpochsSql, new NpgsqlParameter<string[]> { TypedValue = [.. owned.Select(s => s.Name)] }));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(registry.SnapshotSql));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(registry.HeldKeysSql));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(versions.SnapshotSql));
            if (Time.GetUtcNow() >= nextPrune)
            {
                batch.BatchCommands.Add(BatchCommands.Create(registry.PruneSql, new NpgsqlParameter<TimeSpan> { TypedValue = PruneAfter }));
                nextPrune = Time.GetUtcNow() + TimeSpan.FromMinutes(1);
            }

            await using var reader = await batch.ExecuteReaderAsync(stop).ConfigureAwait(false);
            registered = await reader.ReadAsync(stop).ConfigureAwait(false);
            if (registered)
            {
                draining = reader.GetBoolean(0);
            }

            await reader.NextResultAsync(stop).ConfigureAwait(false);
            while (await reader.ReadAsync(stop).ConfigureAwait(false))
            {
                lost.Add(reader.GetInt64(0));
            }

            await reader.NextResultAsync(stop).ConfigureAwait(false);
            while (await reader.ReadAsync(stop).ConfigureAwait(false))
            {
                epochs[reader.GetString(0)] = reader.GetInt64(1);
            }

            await reader.NextResultAsync(stop).ConfigureAwait(false);
            while (await reader.ReadAsync(stop).ConfigureAwait(false))
            {
                var node = NodeRegistry.ReadNode(reader);
                seenNodes[node.Name] = node;
            }

            await reader.NextResultAsync(stop).ConfigureAwait(false);
            while (await reader.ReadAsync(stop).ConfigureAwait(false))
            {
                seenHolders[reader.GetInt64(0)] = reader.GetInt32(1);
            }

            await reader.NextResultAsync(stop).ConfigureAwait(false);
            while (await reader.ReadAsync(stop).ConfigureAwait(false))
            {
                var projection = reader.GetString(0);
                if (!seenStates.TryGetValue(projection, out var states))
                {
                    seenStates[projection] = states = new Dictionary<string, string>(StringComparer.Ordinal);
                }

                states[reader.GetString(1)] = reader.GetString(2);
            }
        }

        healthy = true;
        if (!registered)
        {
            // The row was pruned, or taken over while this node looked dead: take it back (or learn the name is in use),
            // and plan only from a view that includes this node, or it would hand every slot away.
            await RegisterAsync(lockConnection, stop).ConfigureAwait(false);
            replanRequested = true;
        }

        lockConnection.ForgetLost(lost);
        foreach (var key in lost)
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

        generationStates = seenStates;
        await StopSupersededAsync(lockConnection, owned, epochs, stop).ConfigureAwait(false);
        await StopUnprojectedAsync(lockConnection, stop).ConfigureAwait(false);
        nodes = seenNodes;
        holders = seenHolders;
        var now = Time.GetUtcNow();
        foreach (var slot in slots)
        {
            // A generation nobody runs (kept, or a lane never built) is not "unowned": when it starts building, its planned
            // node goes first, as for any new slot.
            slot.UnownedSince = holders.ContainsKey(slot.LockKey.Value) || !IsProjected(slot.Setup.Generation) ? null : slot.UnownedSince ?? now;
        }

        if (!registered)
        {
            return;
        }

        UpdatePlan();
        await RequestHandoffsAsync(lockConnection, stop).ConfigureAwait(false);
        await EvictHungNodesAsync(lockConnection, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// An epoch bumped elsewhere (a rebuild, a resume, a takeover) fences this node's next commit, but an idle agent never
    /// commits and a paused slot has no agent: stop them here so that the lock is given back. A generation a switch
    /// replaced (its epoch bumped by the switch, docs/versions.md) is no loss: <see cref="StopUnprojectedAsync"/> stops it.
    /// </summary>
    private async Task StopSupersededAsync(LockConnection lockConnection, List<ProjectionSlot> owned, Dictionary<string, long> epochs, CancellationToken stop)
    {
        foreach (var slot in owned)
        {
            if (!epochs.TryGetValue(slot.Name, out var epoch))
            {
                continue;
            }

            if (slot.Agent is { } agent && epoch > agent.Ownership.Epoch && IsProjected(slot.Setup.Generation))
            {
                services.ReportLockLost(agent.Ownership, ProjectionDaemon.SupersededCause);
            }
            else if (slot.Agent is null && slot.Paused && epoch > slot.PausedEpoch)
            {
                await lockConnection.ReleaseAsync(slot.LockKey, registry.ClusterChannel, slot.Name, stop).ConfigureAwait(false);
                lock (gate)
                {
                    slot.Paused = false;
                    slot.NotBefore = Time.GetUtcNow();
                }
            }
        }
    }

    private void UpdatePlan()
    {
        var live = nodes.Values.Where(n => n.Name == NodeName || n.IsLive(options.EvictionTimeout)).ToList();
        var clusterSlots = new Dictionary<string, PlacementSlot>(StringComparer.Ordinal);
        var placementNodes = new List<PlacementNode>();
        foreach (var node in live)
        {
            var runs = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in node.Projections)
            {
                var separator = entry.LastIndexOf(':');
                if (separator <= 0 || !int.TryParse(entry.AsSpan(separator + 1), System.Globalization.CultureInfo.InvariantCulture, out var shards) || shards < 1)
                {
                    continue;
                }

                // The entry's key names a projection's version; its slots are those of each lane the version's state says
                // the nodes run (docs/versions.md).
                var projection = entry[..separator];
                runs.Add(projection);
                foreach (var laneB in new[] { false, true })
                {
                    if (Versions.ProjectionGeneration.FromAdvertised(projection, laneB) is not { } generation || !IsProjected(generation))
                    {
                        continue;
                    }

                    for (var shard = 0; shard < shards; shard++)
                    {
                        var name = ProjectionSetup.SlotName(generation.Key, shard, shards);
                        clusterSlots.TryAdd(name, new PlacementSlot(name, projection));
                    }
                }
            }

            if (!node.Draining)
            {
                placementNodes.Add(new PlacementNode(node.Name, node.Capacity ?? int.MaxValue, runs));
            }
        }

        plan = PlacementPlanner.Plan([.. clusterSlots.Values], placementNodes);
        var assigned = plan.Values.Count(n => n == NodeName);
        var summary = $"{live.Count}/{assigned}/{clusterSlots.Count}/{draining}";
        if (summary != placementSummary)
        {
            placementSummary = summary;
            DaemonLog.PlacementChanged(Logger, NodeName, live.Count, assigned, clusterSlots.Count, draining ? " (draining)" : "");
        }
    }

    /// <summary>Asks the agents of slots that placement moved to another live node to finish their batch and stop.</summary>
    private async Task RequestHandoffsAsync(LockConnection lockConnection, CancellationToken stop)
    {
        var now = Time.GetUtcNow();
        var cause = draining ? "drain" : "rebalance";
        foreach (var slot in slots)
        {
            if (!slot.IsHeld || now < slot.HandoffBackoffUntil
                || !plan.TryGetValue(slot.Name, out var target) || target is null || target == NodeName
                || !nodes.TryGetValue(target, out var receiver) || !receiver.IsLive(options.HeartbeatInterval * 2 + options.HeartbeatTimeout))
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

                ReportHandoff(slot, slot.PausedEpoch, target, cause);
            }
        }
    }

    /// <summary>Ends the lock sessions of nodes whose heartbeat is stale past the eviction timeout (hung processes).</summary>
    private async Task EvictHungNodesAsync(LockConnection lockConnection, CancellationToken stop)
    {
        foreach (var node in nodes.Values)
        {
            if (node.Name == NodeName || !node.BackendAlive || node.HeartbeatAge <= options.EvictionTimeout + options.HeartbeatInterval)
            {
                continue;
            }

            try
            {
                await using var command = new NpgsqlCommand(registry.EvictSql, lockConnection.Connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node.Name });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = node.LockPid });
                command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = options.EvictionTimeout });
                if (await command.ExecuteScalarAsync(stop).ConfigureAwait(false) is true)
                {
                    DaemonLog.NodeEvicted(Logger, NodeName, node.Name, node.LockPid, node.HeartbeatAge);
                    services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.NodeEvicted, "", NodeName, 0, Time.GetUtcNow(), $"node {node.Name} evicted: heartbeat {node.HeartbeatAge.TotalSeconds:0.0} s old"));
                    replanRequested = true;
                }
            }
            catch (PostgresException denied) when (denied.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                if (evictionFailuresLogged.Add($"{node.Name}/{node.LockPid}"))
                {
                    DaemonLog.EvictionFailed(Logger, NodeName, node.Name, denied.MessageText);
                }
            }
        }
    }

    private async Task AcquireAsync(LockConnection lockConnection, CancellationToken stop, CancellationToken hardStop)
    {
        var now = Time.GetUtcNow();
        var capacity = options.Capacity ?? int.MaxValue;
        var held = slots.Count(s => s.IsHeld);
        foreach (var slot in slots)
        {
            if (stop.IsCancellationRequested || held >= capacity)
            {
                return;
            }

            if (slot.IsHeld || slot.Retired || now < slot.NotBefore || !options.PinsAllow(slot.Setup.Name) || !IsProjected(slot.Setup.Generation))
            {
                continue;
            }

            if (!slot.Setup.Versioned && StateOf(slot.Setup.Generation) == Versions.ProjectionVersionStates.Building)
            {
                // An event projection that declares no tables writes them by name, that is into the live generation's copies
                // (docs/versions.md, "Event projections"): it runs its generation only while that one is live.
                continue;
            }

            plan.TryGetValue(slot.Name, out var planned);
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
            else if (holders.ContainsKey(slot.LockKey.Value))
            {
                // Its holder is handing it over: its release notifies, and the replan that follows tries again.
                continue;
            }

            if (!await lockConnection.TryAcquireAsync(slot.LockKey, stop).ConfigureAwait(false))
            {
                continue;
            }

            if (await StartOwnershipAsync(lockConnection, slot, stop, hardStop).ConfigureAwait(false))
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
            await using var batch = new NpgsqlBatch(lockConnection.Connection) { Timeout = Math.Max(1, (int)Math.Ceiling(options.HeartbeatTimeout.TotalSeconds)) };
            batch.BatchCommands.Add(new NpgsqlBatchCommand(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SET LOCAL lock_timeout = {(int)BumpLockTimeout.TotalMilliseconds}")));
            batch.BatchCommands.Add(BatchCommands.Create(
                progress.AcquireSql,
                new NpgsqlParameter<string> { TypedValue = slot.Name },
                new NpgsqlParameter<string> { TypedValue = NodeName },
                new NpgsqlParameter<int> { TypedValue = slot.Setup.Shards }));

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
                    slot.NotBefore = Time.GetUtcNow() + options.HeartbeatInterval;
                    return false;
                }

                slot.Retired = true;
                DaemonLog.SlotRetired(Logger, slot.Name, NodeName, $"its progress row is missing or has another shard count than {slot.Setup.Shards}: the projection was resharded by a rebuild; restart this node with the projection's new shard count");
                return false;
            }

            epoch = reader.GetInt64(0);
            position = reader.GetInt64(1);
            paused = reader.GetBoolean(2);
        }
        catch (PostgresException busy) when (busy.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            await lockConnection.ReleaseAsync(slot.LockKey, registry.ClusterChannel, slot.Name, stop).ConfigureAwait(false);
            slot.NotBefore = Time.GetUtcNow() + Jitter(options.AcquireInterval * 2);
            DaemonLog.SlotBusy(Logger, slot.Name, NodeName);
            return false;
        }

        var ownership = new ProjectionOwnership(slot.Name, NodeName, epoch, position, slot.LockKey, lockConnection.Identity);
        DaemonLog.LockAcquired(Logger, slot.Name, NodeName, epoch, position);
        services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.LockAcquired, slot.Name, NodeName, epoch, Time.GetUtcNow(), null, position, position));
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

            DaemonLog.SlotHeldPaused(Logger, slot.Name, NodeName, epoch);
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

    private async Task<bool> IsKeptAsync(LockConnection lockConnection, ProjectionSlot slot, CancellationToken stop)
    {
        await using var command = new NpgsqlCommand(progress.KeptSql, lockConnection.Connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = slot.Name });
        return await command.ExecuteScalarAsync(stop).ConfigureAwait(false) is true;
    }

    /// <summary>
    /// Whether the nodes run <paramref name="generation"/>: its state in <c>projection_versions</c> is building or live. A
    /// projection without rows there (an event projection) runs its original generation only (docs/versions.md).
    /// </summary>
    private bool IsProjected(Versions.ProjectionGeneration generation) =>
        generationStates.TryGetValue(generation.Projection, out var states)
            ? states.TryGetValue(generation.Label, out var state) && Versions.ProjectionVersionStates.IsProjected(state)
            : !generation.LaneB;

    private string StateOf(Versions.ProjectionGeneration generation) =>
        generationStates.TryGetValue(generation.Projection, out var states) && states.TryGetValue(generation.Label, out var state) ? state : "unknown";

    /// <summary>Stops this node's agents (and gives back paused slots) of generations that are no longer building or live.</summary>
    private async Task StopUnprojectedAsync(LockConnection lockConnection, CancellationToken stop)
    {
        foreach (var slot in slots)
        {
            if (!slot.IsHeld || IsProjected(slot.Setup.Generation))
            {
                continue;
            }

            if (slot.Agent is { } agent)
            {
                if (!agent.StopRequested && agent.Ownership.LostCause is null)
                {
                    var state = StateOf(slot.Setup.Generation);
                    DaemonLog.GenerationStopped(Logger, slot.Name, NodeName, state);
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

    /// <summary>
    /// Tries the switch for each building generation whose first slot this node runs: one transaction, fenced by the
    /// agent's epoch and lock like a commit, which switches only when the generation has caught up with the live one
    /// (<c>switch_version</c>, docs/versions.md). Retried soon while it is close, else at the next heartbeat.
    /// </summary>
    private async Task TrySwitchAsync(LockConnection lockConnection, CancellationToken stop)
    {
        var now = Time.GetUtcNow();
        foreach (var slot in slots)
        {
            if (slot.Shard != 0 || !slot.Setup.Versioned || now < slot.NextSwitchAttempt
                || slot.Agent is not { StopRequested: false, Ownership.LostCause: null } agent
                || StateOf(slot.Setup.Generation) != Versions.ProjectionVersionStates.Building)
            {
                continue;
            }

            var generation = slot.Setup.Generation;
            string? declined;
            try
            {
                await using var batch = new NpgsqlBatch(lockConnection.Connection) { Timeout = Math.Max(1, (int)Math.Ceiling(options.HeartbeatTimeout.TotalSeconds)) };
                batch.BatchCommands.Add(new NpgsqlBatchCommand(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SET LOCAL lock_timeout = {(int)BumpLockTimeout.TotalMilliseconds}")));
                batch.BatchCommands.Add(BatchCommands.Create(
                    versions.SwitchSql,
                    new NpgsqlParameter<string> { TypedValue = generation.Projection },
                    new NpgsqlParameter<string> { TypedValue = generation.Label },
                    new NpgsqlParameter<string> { TypedValue = slot.Name },
                    new NpgsqlParameter<long> { TypedValue = agent.Ownership.Epoch },
                    new NpgsqlParameter<int> { TypedValue = agent.Ownership.LockHolder.BackendPid },
                    new NpgsqlParameter<DateTime> { TypedValue = agent.Ownership.LockHolder.BackendStart, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                    new NpgsqlParameter<long> { TypedValue = agent.Ownership.LockKey.Value }));
                batch.BatchCommands.Add(history.CreateVersionCommand(
                    Operations.ProjectionHistoryKinds.Switched, generation.Projection, generation.Label, NodeName, agent.Ownership.Epoch, "readers switched to generation " + generation.Label, onlyIfSwitchedNow: true));
                await using var reader = await batch.ExecuteReaderAsync(stop).ConfigureAwait(false);
                await reader.ReadAsync(stop).ConfigureAwait(false);
                declined = reader.IsDBNull(0) ? null : reader.GetString(0);
            }
            catch (PostgresException refused) when (refused.SqlState is "PG001" or "PG002" or PostgresErrorCodes.LockNotAvailable)
            {
                // Fenced (the heartbeat stops the deposed agent) or busy: the next heartbeat tries again.
                slot.NextSwitchAttempt = Time.GetUtcNow() + options.HeartbeatInterval;
                continue;
            }
            catch (PostgresException failed) when (!failed.SqlState.StartsWith("08", StringComparison.Ordinal) && !failed.SqlState.StartsWith("57", StringComparison.Ordinal))
            {
                // The server refused the switch itself (the view cannot be replaced, a privilege is missing): the session is
                // fine, so this is no lock loss; the build goes on and the switch is tried again later.
                DaemonLog.VersionSwitchFailed(Logger, generation.Projection, generation.Label, NodeName, failed.SqlState, failed.MessageText);
                slot.NextSwitchAttempt = Time.GetUtcNow() + SwitchRetryAfterFailure;
                continue;
            }

            if (declined is null)
            {
                DaemonLog.VersionSwitched(Logger, generation.Projection, generation.Label, NodeName, agent.Ownership.Epoch);
                services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.VersionSwitched, generation.Key, NodeName, agent.Ownership.Epoch, Time.GetUtcNow(), "readers switched to generation " + generation.Label, agent.Position, agent.Position));
                await NotifyAsync(lockConnection, "switch:" + generation.Key, stop).ConfigureAwait(false);
                replanRequested = true;
                slot.NextSwitchAttempt = Time.GetUtcNow() + options.HeartbeatInterval;
                continue;
            }

            // Close behind (the live generation keeps committing): try again shortly; far behind: at the next heartbeat.
            var close = declined.StartsWith("behind by ", StringComparison.Ordinal)
                && long.TryParse(declined.AsSpan("behind by ".Length), System.Globalization.CultureInfo.InvariantCulture, out var gap)
                && gap <= slot.Setup.BatchSize * 4L;
            slot.NextSwitchAttempt = Time.GetUtcNow() + (close ? TimeSpan.FromMilliseconds(50) : options.HeartbeatInterval);
        }
    }

    private TimeSpan BumpLockTimeout
    {
        get
        {
            var half = options.HeartbeatInterval / 2;
            return half < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : half > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : half;
        }
    }

    /// <summary>Gives back the locks of stopped agents, records pauses, and carries out resumes.</summary>
    private async Task ReapAsync(LockConnection lockConnection, CancellationToken cancellationToken)
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
            var now = Time.GetUtcNow();
            var handoff = slot.HandoffCause is { } cause && agent.Ownership.LostCause is null ? cause : null;
            var target = slot.HandoffTarget;
            lock (gate)
            {
                if (handoff is not null)
                {
                    // Placement may give it back at once (a drain undone, a node gone); only the fallback waits.
                    slot.HandedOffAt = now;
                    slot.FallbackNotBefore = now + options.PlacementFallback;
                }
                else if (agent.Ownership.LostCause is null)
                {
                    // The agent failed: back off a round before trying again.
                    slot.NotBefore = now + Jitter(options.AcquireInterval);
                }
                else
                {
                    // The lock was lost (a broken session, a superseded epoch): if placement still wants the slot here, take
                    // it back at once; only a fallback take waits, so that a healthy planned node goes first.
                    slot.NotBefore = now;
                    slot.FallbackNotBefore = now + Jitter(options.AcquireInterval * 2);
                }

                slot.HandoffCause = null;
                slot.HandoffTarget = null;
                slot.Retire(agent);
            }

            if (handoff is not null)
            {
                ReportHandoff(slot, slot.LastEpoch, target ?? "?", handoff);
            }
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
            slot.NotBefore = Time.GetUtcNow();
        }
    }

    private void ReportHandoff(ProjectionSlot slot, long epoch, string target, string cause)
    {
        DaemonLog.SlotHandedOff(Logger, slot.Name, NodeName, epoch, target, cause);
        services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.SlotHandedOff, slot.Name, NodeName, epoch, Time.GetUtcNow(), $"{cause}: handed to node {target}"));
    }

    private void MarkEveryOwnershipLost(string cause)
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

    /// <summary>
    /// Stops every agent, giving each lock back (with a notification) as soon as its agent has stopped, keeps the node's
    /// heartbeat alive meanwhile, and deregisters. After a hard stop, agents that ignore cancellation are waited for at
    /// most <see cref="ProjectionDaemonOptions.HeartbeatTimeout"/>; their commits are fenced anyway.
    /// </summary>
    private async Task ShutDownAsync(CancellationToken hardStop)
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
                abandonAt ??= Time.GetUtcNow() + options.HeartbeatTimeout;
                if (Time.GetUtcNow() >= abandonAt)
                {
                    break;
                }
            }

            await Task.WhenAny(Task.WhenAny(running), Task.Delay(options.HeartbeatInterval, Time, CancellationToken.None)).ConfigureAwait(false);
            foreach (var slot in slots)
            {
                if (slot.Agent is { Completion.IsCompleted: true } agent)
                {
                    await TryReleaseAsync(slot).ConfigureAwait(false);
                    lock (gate)
                    {
                        slot.Retire(agent);
                    }
                }
            }

            await TryRenewHeartbeatAsync().ConfigureAwait(false);
        }

        if (connection is not null)
        {
            foreach (var slot in slots.Where(s => s.Paused))
            {
                await TryReleaseAsync(slot).ConfigureAwait(false);
            }

            try
            {
                await using var command = new NpgsqlCommand(registry.DeregisterSql, connection.Connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = NodeName });
                await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                await NotifyAsync(connection, "leave:" + NodeName, CancellationToken.None).ConfigureAwait(false);
                DaemonLog.NodeDeregistered(Logger, NodeName);
            }
            catch (Exception failure) when (failure is NpgsqlException or IOException or InvalidOperationException)
            {
                // Closing the session below ends the registration's liveness as well; the row is pruned later.
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            connection = null;
        }

        healthy = false;
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

    private async Task TryReleaseAsync(ProjectionSlot slot)
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

    private async Task TryRenewHeartbeatAsync()
    {
        if (connection is null)
        {
            return;
        }

        try
        {
            await using var command = new NpgsqlCommand(registry.HeartbeatSql, connection.Connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = NodeName });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = slots.Count(s => s.IsHeld) });
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is NpgsqlException or IOException or InvalidOperationException)
        {
            // Nothing left to keep alive.
        }
    }

    private static TimeSpan Jitter(TimeSpan interval) => interval * (0.75 + (Random.Shared.NextDouble() * 0.5));
}
