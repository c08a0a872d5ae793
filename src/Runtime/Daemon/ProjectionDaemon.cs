using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.Documents;
using ProjectionGen.EventStore;
using ProjectionGen.Generations;
using ProjectionGen.Guard;
using ProjectionGen.Locking;
using ProjectionGen.Progress;

namespace ProjectionGen.Daemon;

/// <summary>
/// One node of the async daemon. It registers in the cluster's node registry, holds one unpooled lock connection on
/// which its <see cref="OwnershipLoop"/> takes the slots (projections, or shards of them) that placement gives it,
/// bumps each slot's fencing epoch on winning its lock, runs a <see cref="SubscriptionAgent"/> per owned slot, hands
/// slots to other nodes when placement moves them, and stops every affected agent the moment a lock or the connection
/// is lost.
/// </summary>
/// <remarks>
/// Safety does not depend on the loop's timing or on placement: every commit is fenced by epoch on the server
/// (<see cref="ProjectionGuard"/>). The loop provides liveness: balance, detection, stop, and failover in about a second.
/// See docs/daemon.md and docs/cluster.md.
/// </remarks>
public sealed class ProjectionDaemon : IAsyncDisposable
{
    private readonly PostgresEventStore store;
    private readonly ProjectionDaemonOptions options;
    private readonly ILogger logger;
    private readonly NpgsqlDataSource batchConnections;
    private readonly ProgressTable progress;
    private readonly ProjectionVersionTable versions;
    private readonly IReadOnlyList<ProjectionSetup> setups;
    private readonly IReadOnlyList<ProjectionSlot> slots;
    private readonly OwnershipLoop ownership;
    private readonly SupersededAgents superseded;
    private readonly Lock gate = new();
    private readonly DaemonTestHooks hooks;
    private readonly CancellationTokenSource stopping = new();
    private readonly CancellationTokenSource hardStop = new();
    private Task loop = Task.CompletedTask;
    private int started;
    private int disposed;

    /// <summary>Creates a daemon node for <paramref name="projections"/>; nothing runs until <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option, projection name or table name is invalid, or two projections share a name or lock key.</exception>
    public ProjectionDaemon(
        PostgresEventStore store,
        IEnumerable<IGeneratedProjection> projections,
        ProjectionDaemonOptions options,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
        : this(store, projections, options, new DaemonTestHooks(), loggerFactory, timeProvider)
    {
    }

    /// <summary>A daemon node with the internal levers and hooks of tests and benchmarks.</summary>
    internal ProjectionDaemon(
        PostgresEventStore store,
        IEnumerable<IGeneratedProjection> projections,
        ProjectionDaemonOptions options,
        DaemonTestHooks hooks,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(projections);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid ProjectionDaemonOptions: " + string.Join(" ", errors), nameof(options));
        }

        this.store = store;
        this.options = options;
        this.hooks = hooks;
        logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ProjectionDaemon>();
        var time = timeProvider ?? TimeProvider.System;
        var schema = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
        progress = new ProgressTable(schema);
        versions = new ProjectionVersionTable(schema);
        (setups, slots) = SlotCatalog.Build(projections, store, options);

        // Batch connections carry no session state (every batch is one transaction, its settings SET LOCAL), so they are
        // not reset on their way back to the pool: behind a transaction-mode pooler the reset (DISCARD ALL, sent with the
        // next use) broke the protocol stream (docs/operations.md, "Behind a connection pooler"); direct, it saves a round trip.
        var batchBuilder = new NpgsqlConnectionStringBuilder(options.ConnectionString) { ApplicationName = BatchApplicationName(options.NodeName), NoResetOnClose = true };
        batchConnections = NpgsqlDataSource.Create(batchBuilder.ConnectionString);
        var services = new AgentServices(
            store,
            batchConnections,
            new ProjectionGuard(progress, hooks.Fencing),
            options,
            hooks,
            new DeadLetterTable(schema).InsertSql,
            logger,
            time,
            RaiseLifecycle,
            new SharedSafeMark(store, batchConnections, time));
        var registry = new NodeRegistry(schema);
        superseded = new SupersededAgents(services, registry, gate, slots);
        ownership = new OwnershipLoop(options, services, slots, progress, registry, LockApplicationName, gate, versions, superseded);
    }

    /// <summary>Raised for lock acquisitions and losses, handoffs, evictions, agent stops and pauses, dead letters and committed batches. Handlers run on daemon threads and must be quick.</summary>
    public event EventHandler<ProjectionLifecycleEventArgs>? Lifecycle;

    /// <summary>This node's name.</summary>
    public string NodeName => options.NodeName;

    /// <summary>The <c>application_name</c> of this node's lock connection (what operators see in <c>pg_stat_activity</c>).</summary>
    public string LockApplicationName => LockApplicationNameFor(options.NodeName);

    /// <summary>The <c>application_name</c> of this node's batch connections.</summary>
    public string BatchApplicationName() => BatchApplicationName(options.NodeName);

    /// <summary>Whether the lock connection is open and its last heartbeat succeeded.</summary>
    public bool IsLockConnectionHealthy => ownership.IsHealthy;

    /// <summary>The safe high-water mark this daemon's store reached so far (0 before its first reading); no query.</summary>
    internal long KnownHighWaterMark => store.KnownHighWaterMark;

    /// <summary>The <c>application_name</c> of a node's lock connection.</summary>
    public static string LockApplicationNameFor(string nodeName) => "projectiongen-lock:" + nodeName;

    /// <summary>The <c>application_name</c> of a node's batch connections.</summary>
    public static string BatchApplicationName(string nodeName) => "projectiongen-batch:" + nodeName;

    /// <summary>The state of every slot on this node (a projection, or each shard of a sharded one, named <c>name/shard</c>).</summary>
    public IReadOnlyList<ProjectionAgentState> GetStates()
    {
        lock (gate)
        {
            // A lane-b slot (shadow rebuilds, docs/versions.md) shows once this node has run it.
            return slots.Where(slot => !slot.Setup.Generation.LaneB || slot.IsHeld || slot.LastEpoch != 0).Select(slot => slot.Agent is { } agent
                    ? new ProjectionAgentState(slot.Name, agent.Status, agent.Ownership.Epoch, agent.Position, agent.LastCommitAt, agent.StopReason) { OldestPendingAt = agent.OldestPendingAt }
                    : new ProjectionAgentState(slot.Name, slot.Paused ? AgentStatus.Paused : slot.LastEpoch == 0 ? AgentStatus.NotOwned : AgentStatus.Stopped, slot.LastEpoch, slot.LastPosition, slot.LastCommitAt, slot.LastStopReason))
                .ToList();
        }
    }

    /// <summary>
    /// Resumes a projection (or one slot of it) paused on a poison event on this node, after the handler or the event
    /// was fixed: the node bumps the slot's epoch, releases the lock, and whichever node wins it next starts under a new
    /// epoch from the committed position. To resume from any process, use <c>ProjectionClusterOperations.ResumeAsync</c>.
    /// </summary>
    /// <returns><see langword="false"/> when this node has no such paused projection.</returns>
    public bool Resume(string projection) => ownership.RequestResume(projection);

    /// <summary>
    /// Stops this node's agent of <paramref name="projection"/> (a slot name) when it runs under an epoch older than
    /// <paramref name="currentEpoch"/> (read from the progress row, e.g. after a rebuild).
    /// </summary>
    /// <returns>Whether an agent was told to stop.</returns>
    internal bool StopIfSuperseded(string projection, long currentEpoch) => superseded.StopIfSuperseded(projection, currentEpoch);

    /// <summary>The lock-loss cause reported when another epoch supersedes a running agent's.</summary>
    internal const string SupersededCause = "epoch superseded (rebuild or takeover)";

    /// <summary>
    /// Creates the aggregate projections' document tables and the shard indexes, registers the slots (refusing a shard
    /// count that differs from the one a projection ran with), opens the lock connection (refusing a standby, a pooling
    /// proxy or a node name already in use), registers the node and starts the ownership loop. A daemon starts once.
    /// </summary>
    /// <exception cref="LockConnectionRefusedException">The lock connection reaches a standby or a pooling proxy, or another live node has this name.</exception>
    /// <exception cref="InvalidOperationException">The daemon was already started, the schema is missing, a projection's shard count changed, the event type registry lacks the generated upcasters (docs/generator.md, "Upcasting"), or the batch connections go through a pooler while statements are prepared.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        UpcasterCheck.ThrowIfMissing(setups, NodeName);
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException($"The daemon of node '{NodeName}' was already started; a daemon starts once.");
        }

        try
        {
            await PrepareDatabaseAsync(cancellationToken).ConfigureAwait(false);
            var lockConnection = await ownership.ConnectAsync(cancellationToken).ConfigureAwait(false);
            loop = Task.Run(() => ownership.RunAsync(lockConnection, stopping.Token, hardStop.Token), CancellationToken.None);
        }
        catch
        {
            // Nothing runs yet: a start that failed (the server down, say) may be tried again.
            Volatile.Write(ref started, 0);
            throw;
        }
    }

    /// <summary>
    /// Stops gracefully: each agent finishes its current batch and its lock is released as soon as it has stopped, then
    /// the node deregisters and closes the lock connection. Cancelling <paramref name="cancellationToken"/> abandons
    /// in-flight batches (their commits are fenced) and bounds the wait for handlers that ignore cancellation.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref disposed) == 0)
        {
            await stopping.CancelAsync().ConfigureAwait(false);
        }

        using var registration = cancellationToken.Register(() =>
        {
            try
            {
                hardStop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already disposed: nothing is running.
            }
        });
        await loop.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await batchConnections.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
        hardStop.Dispose();
    }

    /// <summary>
    /// Refuses to start when the batch connections go through a pooler or proxy (the server's backend pid differs from
    /// the one announced to the client) while statements are prepared on them: a pooler in transaction mode hands the
    /// next use of a prepared statement to a server connection that does not have it (26000) or already has one of the
    /// name (42P05), on every batch. Refused here, with the setting to change, rather than retried forever.
    /// </summary>
    private async Task RefusePreparedStatementsBehindAPoolerAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var autoPrepare = new NpgsqlConnectionStringBuilder(options.ConnectionString).MaxAutoPrepare > 0;
        if (!store.PrepareStatements && !autoPrepare)
        {
            return;
        }

        await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        var backendPid = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (backendPid != connection.ProcessID)
        {
            throw new InvalidOperationException(
                $"The batch connections of node '{NodeName}' go through a connection pooler or proxy (the server's backend pid {backendPid} differs from the pid {connection.ProcessID} announced to the client), "
                + "and statements are prepared on them (" + (store.PrepareStatements ? "EventStoreOptions.PrepareStatements is on" : "Max Auto Prepare is set in ProjectionDaemonOptions.ConnectionString")
                + "). A pooler in transaction mode does not keep a prepared statement with its client: set EventStoreOptions.PrepareStatements = false for the daemon's store and leave Max Auto Prepare unset "
                + "(docs/operations.md, \"Behind a connection pooler\").");
        }
    }

    private async Task PrepareDatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = await batchConnections.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await RefusePreparedStatementsBehindAPoolerAsync(connection, cancellationToken).ConfigureAwait(false);
            try
            {
                // Nodes starting together would race on CREATE ... IF NOT EXISTS (a unique violation in the catalog):
                // their DDL runs one node at a time, under the schema-migration lock, in one transaction.
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (var serialize = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
                {
                    serialize.Parameters.Add(new NpgsqlParameter<long> { TypedValue = AdvisoryLockKey.ForSchemaMigration(store.Schema).Value });
                    await serialize.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                foreach (var setup in setups.Where(s => !s.Generation.LaneB))
                {
                    if (setup.DocumentTable is { } table)
                    {
                        await using var create = new NpgsqlCommand(table.CreateSql, connection);
                        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                foreach (var shards in setups.Select(s => s.Shards).Where(n => n > 1).Distinct())
                {
                    await using var exists = new NpgsqlCommand(EventStoreSchema.ShardIndexExistsSql(progress.Schema, shards), connection);
                    if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
                    {
                        await using var index = new NpgsqlCommand(EventStoreSchema.ShardIndexSql(progress.Schema, shards), connection);
                        await index.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

                // Every heartbeat reads the generations' states (docs/versions.md): refuse a schema from before them here,
                // with the message below, rather than fail every heartbeat.
                await using (var versionsExist = new NpgsqlCommand(versions.SnapshotSql + " LIMIT 0", connection))
                {
                    await versionsExist.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                // Lane a of each projection's version (lane b's rows are made by a shadow rebuild, docs/versions.md): its
                // generation first (a projection that ran before versions existed is adopted as live), then its slots.
                foreach (var setup in setups.Where(s => !s.Generation.LaneB))
                {
                    if (setup.Versioned)
                    {
                        await RegisterGenerationAsync(connection, setup, cancellationToken).ConfigureAwait(false);
                    }

                    var names = slots.Where(s => s.Setup == setup).Select(s => s.Name).ToList();
                    if (await progress.RegisterSlotsAsync(connection, setup.Key, names, cancellationToken).ConfigureAwait(false) is { } other)
                    {
                        throw new InvalidOperationException(
                            $"Projection '{setup.Name}' ran with {other} shard(s) and is now configured with {setup.Shards}: its progress and read model belong to the old split. "
                            + "Rebuild it (ProjectionRebuilder, or the sample's `rebuild` command) to change its shard count; this node did not start.");
                    }

                    await RegisterShapeAsync(connection, setup, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (PostgresException missing) when (missing.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.InvalidSchemaName or PostgresErrorCodes.UndefinedFunction)
            {
                throw new InvalidOperationException(
                    $"The event store schema '{store.Schema}' is missing or out of date: call PostgresEventStore.ApplySchemaAsync (or ProjectionSchemaInstaller) first. ({missing.SqlState}: {missing.MessageText})",
                    missing);
            }
        }
    }

    /// <summary>
    /// Registers the shape of <paramref name="setup"/>'s generation (docs/cluster.md, "Shapes across code versions"): a
    /// newer shape than the registered one fences the older owners; an older one, or a new one that would leave events
    /// below the committed position unapplied, is not run by this node (logged; its other projections run).
    /// </summary>
    private async Task RegisterShapeAsync(NpgsqlConnection connection, ProjectionSetup setup, CancellationToken cancellationToken)
    {
        if (!hooks.RegisterShapes)
        {
            return;
        }

        var key = setup.Generation.AdvertisedKey;
        var result = await ShapeRegistration.RegisterAsync(connection, progress, key, setup.Shape, NodeName, register: true, cancellationToken).ConfigureAwait(false);
        switch (result.Status)
        {
            case "registered":
                DaemonLog.ShapeRegistered(logger, key, NodeName, setup.Shape.Fingerprint, result.Types.Count == 0 ? "no type" : string.Join(", ", result.Types));
                return;
            case "refused":
                DaemonLog.ShapeRefused(logger, key, NodeName, string.Join(", ", result.Types), result.Events);
                break;
            case "current":
            case "first":
                return;
            default:
                var lacks = setup.Shape.Lacks(result.Types);
                DaemonLog.ShapeSuperseded(logger, key, NodeName, lacks.Count == 0 ? "no type it lacks (another set of types)" : string.Join(", ", lacks));
                break;
        }

        lock (gate)
        {
            foreach (var slot in slots.Where(s => s.Setup.Generation.AdvertisedKey == key))
            {
                slot.ShapeFenced = true;
            }
        }
    }

    private async Task RegisterGenerationAsync(NpgsqlConnection connection, ProjectionSetup setup, CancellationToken cancellationToken)
    {
        var generation = setup.Generation;
        await using var command = new NpgsqlCommand(versions.RegisterSql, connection);
        command.Parameters.Add(ProjectionVersionTable.Text(setup.Name));
        command.Parameters.Add(ProjectionVersionTable.Text(generation.Label));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = generation.Version });
        command.Parameters.Add(ProjectionVersionTable.Text(setup.Key));
        command.Parameters.Add(ProjectionVersionTable.Text(setup.DocumentTable?.Name ?? string.Join(", ", EventTables.PhysicalNames(setup.Descriptor, generation))));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = setup.Shards });
        command.Parameters.Add(ProjectionVersionTable.Text(setup.DocumentTable is null
            ? string.Join(", ", EventTables.PhysicalNames(setup.Descriptor, new ProjectionGeneration(setup.Name, 1, false)))
            : DocumentTableNames.Of(setup.Descriptor)));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = versions.RegistrationKey(setup.Name).Value });
        string state;
        bool created;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            state = reader.GetString(0);
            created = reader.GetBoolean(1);
        }

        if (setup.DocumentTable is null)
        {
            // An event projection's declared tables: on first versioning the user's tables become the live generation's
            // copies behind views of their names, and this generation's copies are created (docs/versions.md).
            await using var prepare = new NpgsqlCommand(versions.PrepareTablesSql, connection);
            prepare.Parameters.Add(ProjectionVersionTable.Text(setup.Name));
            prepare.Parameters.Add(ProjectionVersionTable.Text(generation.Label));
            prepare.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. setup.Descriptor.Tables], NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
            prepare.Parameters.Add(new NpgsqlParameter<long> { TypedValue = versions.RegistrationKey(setup.Name).Value });
            await prepare.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (created && state == GenerationStates.Building)
        {
            DaemonLog.VersionBuildStarted(logger, setup.Name, generation.Label, NodeName);
            RaiseLifecycle(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.VersionBuildStarted, setup.Key, NodeName, 0, DateTimeOffset.UtcNow, $"version {generation.Version} of {setup.Name} builds beside the live one"));
        }
    }

    private void RaiseLifecycle(ProjectionLifecycleEventArgs args)
    {
        try
        {
            Lifecycle?.Invoke(this, args);
        }
#pragma warning disable CA1031 // A subscriber's failure must not take the daemon down.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
