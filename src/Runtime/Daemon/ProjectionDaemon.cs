using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Guard;
using ProjectionGen.Locking;
using ProjectionGen.Serialization;

namespace ProjectionGen.Daemon;

/// <summary>
/// One node of the async daemon. It holds one unpooled lock connection; on it, one ownership loop contends for each
/// projection's advisory lock (about every second, jittered), bumps the projection's fencing epoch on winning, runs a
/// <see cref="SubscriptionAgent"/> per owned projection, verifies the held locks with a cheap heartbeat, wakes agents on
/// append notifications, and stops every affected agent the moment a lock or the connection is lost.
/// </summary>
/// <remarks>
/// Safety does not depend on this loop's timing: every commit is fenced by epoch on the server
/// (<see cref="ProjectionGuard"/>). The loop provides liveness: detection, stop, and failover in about a second.
/// </remarks>
public sealed class ProjectionDaemon : IAsyncDisposable
{
    private readonly PostgresEventStore store;
    private readonly ProjectionDaemonOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly NpgsqlDataSource batchConnections;
    private readonly string lockConnectionString;
    private readonly string acquireSql;
    private readonly string progressInsertSql;
    private readonly string epochCheckSql;
    private readonly IReadOnlyList<ProjectionSlot> slots;
    private readonly AgentServices services;
    private readonly Lock gate = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly CancellationTokenSource hardStop = new();
    private Task loop = Task.CompletedTask;
    private int started;
    private volatile bool lockConnectionHealthy;

    /// <summary>Creates a daemon node for <paramref name="projections"/>; nothing runs until <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option, projection name or table name is invalid, or two projections share a name or lock key.</exception>
    public ProjectionDaemon(
        PostgresEventStore store,
        IEnumerable<IGeneratedProjection> projections,
        ProjectionDaemonOptions options,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
    {
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
        logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ProjectionDaemon>();
        time = timeProvider ?? TimeProvider.System;
        lockConnectionString = options.LockConnectionString ?? options.ConnectionString!;

        var schema = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
        var quotedSchema = schema.Quoted;
        acquireSql = $"UPDATE {quotedSchema}.progress SET epoch = epoch + 1, owner = $2, owner_since = now(), status = 'running' WHERE name = $1 RETURNING epoch, position";
        progressInsertSql = $"INSERT INTO {quotedSchema}.progress (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";
        epochCheckSql = $"SELECT name, epoch FROM {quotedSchema}.progress WHERE name = ANY($1)";
        slots = BuildSlots(projections, store, options);

        var batchBuilder = new NpgsqlConnectionStringBuilder(options.ConnectionString) { ApplicationName = BatchApplicationName(options.NodeName) };
        batchConnections = NpgsqlDataSource.Create(batchBuilder.ConnectionString);
        services = new AgentServices(
            store,
            batchConnections,
            new ProjectionGuard(quotedSchema, options.Fencing),
            options,
            $"INSERT INTO {quotedSchema}.dead_letters (projection, seq, stream_id, event_type, epoch, node, reason, exception, attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            logger,
            time,
            RaiseLifecycle);
    }

    /// <summary>Raised for lock acquisitions and losses, agent stops and pauses, dead letters and committed batches. Handlers run on daemon threads and must be quick.</summary>
    public event EventHandler<ProjectionLifecycleEventArgs>? Lifecycle;

    /// <summary>This node's name.</summary>
    public string NodeName => options.NodeName;

    /// <summary>The <c>application_name</c> of this node's lock connection (what operators see in <c>pg_stat_activity</c>).</summary>
    public string LockApplicationName => LockApplicationNameFor(options.NodeName);

    /// <summary>The <c>application_name</c> of this node's batch connections.</summary>
    public string BatchApplicationName() => BatchApplicationName(options.NodeName);

    /// <summary>Whether the lock connection is open and its last heartbeat succeeded.</summary>
    public bool IsLockConnectionHealthy => lockConnectionHealthy;

    /// <summary>The <c>application_name</c> of a node's lock connection.</summary>
    public static string LockApplicationNameFor(string nodeName) => "projectiongen-lock:" + nodeName;

    /// <summary>The <c>application_name</c> of a node's batch connections.</summary>
    public static string BatchApplicationName(string nodeName) => "projectiongen-batch:" + nodeName;

    /// <summary>The state of every projection on this node.</summary>
    public IReadOnlyList<ProjectionAgentState> GetStates()
    {
        lock (gate)
        {
            return slots.Select(slot => slot.Agent is { } agent
                    ? new ProjectionAgentState(slot.Setup.Name, agent.Status, agent.Ownership.Epoch, agent.Position, agent.LastCommitAt, agent.StopReason)
                    : new ProjectionAgentState(slot.Setup.Name, slot.Paused ? AgentStatus.Paused : slot.LastEpoch == 0 ? AgentStatus.NotOwned : AgentStatus.Stopped, slot.LastEpoch, slot.LastPosition, slot.LastCommitAt, slot.LastStopReason))
                .ToList();
        }
    }

    /// <summary>
    /// Resumes a projection paused on a poison event (after the handler or the event was fixed): the node releases the
    /// lock, and whichever node wins it next starts under a new epoch from the committed position.
    /// </summary>
    /// <returns><see langword="false"/> when this node has no such paused projection.</returns>
    public bool Resume(string projection)
    {
        lock (gate)
        {
            var slot = slots.FirstOrDefault(s => s.Setup.Name == projection && (s.Paused || s.Agent?.Status == AgentStatus.Paused));
            if (slot is null)
            {
                return false;
            }

            slot.ResumeRequested = true;
            return true;
        }
    }

    /// <summary>
    /// Stops this node's agent of <paramref name="projection"/> when it runs under an epoch older than
    /// <paramref name="currentEpoch"/> (read from the progress row, e.g. after a rebuild). A busy agent would stop at its
    /// next fenced commit anyway; an idle one never commits, so without this it would keep the lock and never replay.
    /// </summary>
    /// <returns>Whether an agent was told to stop.</returns>
    internal bool StopIfSuperseded(string projection, long currentEpoch)
    {
        foreach (var slot in slots)
        {
            if (slot.Setup.Name == projection && slot.Agent is { } agent && agent.Ownership.Epoch < currentEpoch)
            {
                services.ReportLockLost(agent.Ownership, SupersededCause);
                return true;
            }
        }

        return false;
    }

    /// <summary>The lock-loss cause reported by <see cref="StopIfSuperseded"/>.</summary>
    internal const string SupersededCause = "epoch superseded (rebuild or takeover)";

    /// <summary>
    /// Creates the aggregate projections' document tables, opens the lock connection (refusing a standby or a pooling
    /// proxy) and starts the ownership loop. A daemon starts once.
    /// </summary>
    /// <exception cref="LockConnectionRefusedException">The lock connection reaches a standby or a pooling proxy.</exception>
    /// <exception cref="InvalidOperationException">The daemon was already started.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException($"The daemon of node '{NodeName}' was already started; a daemon starts once.");
        }

        try
        {
            await using (var connection = await batchConnections.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var slot in slots)
                {
                    if (slot.Setup.DocumentTable is { } table)
                    {
                        await using var create = new NpgsqlCommand(table.CreateSql, connection);
                        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            var lockConnection = await OpenLockConnectionAsync(cancellationToken).ConfigureAwait(false);
            loop = Task.Run(() => RunOwnershipLoopAsync(lockConnection, stopping.Token), CancellationToken.None);
        }
        catch
        {
            // Nothing runs yet: a start that failed (the server down, say) may be tried again.
            Volatile.Write(ref started, 0);
            throw;
        }
    }

    /// <summary>
    /// Stops gracefully: each agent finishes its current batch, every lock is released and the lock connection is
    /// closed. Cancelling <paramref name="cancellationToken"/> abandons in-flight batches (their commits are fenced).
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        using var registration = cancellationToken.Register(hardStop.Cancel);
        await loop.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await batchConnections.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
        hardStop.Dispose();
    }

    private async Task RunOwnershipLoopAsync(LockConnection? lockConnection, CancellationToken stop)
    {
        var nextHeartbeat = time.GetUtcNow() + options.HeartbeatInterval;
        var nextAcquire = time.GetUtcNow();
        var reconnects = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (lockConnection is null)
                {
                    lockConnection = await OpenLockConnectionAsync(stop).ConfigureAwait(false);
                    reconnects = 0;
                    nextAcquire = time.GetUtcNow();
                }

                await ReapStoppedAgentsAsync(lockConnection, stop).ConfigureAwait(false);
                if (time.GetUtcNow() >= nextHeartbeat)
                {
                    await HeartbeatAsync(lockConnection, stop).ConfigureAwait(false);
                    nextHeartbeat = time.GetUtcNow() + options.HeartbeatInterval;
                }

                if (time.GetUtcNow() >= nextAcquire)
                {
                    await AcquireAvailableAsync(lockConnection, stop).ConfigureAwait(false);
                    nextAcquire = time.GetUtcNow() + Jitter(options.AcquireInterval);
                }

                // Sleep on the lock connection itself: a notification wakes agents at once, a broken session fails the wait.
                var until = nextHeartbeat < nextAcquire ? nextHeartbeat : nextAcquire;
                var wait = until - time.GetUtcNow();
                wait = wait > MaxLoopSleep ? MaxLoopSleep : wait;
                if (wait > TimeSpan.Zero)
                {
                    await lockConnection.WaitForNotificationAsync(wait, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception failure)
            {
                lockConnectionHealthy = false;
                var cause = failure is LockConnectionRefusedException ? "lock connection refused" : LockLossCause.Describe(failure);
                if (failure is LockConnectionRefusedException refused)
                {
                    DaemonLog.LockConnectionRefused(logger, NodeName, refused.Message);
                }
                else if (lockConnection is not null)
                {
                    DaemonLog.LockConnectionLost(logger, NodeName, cause, failure);
                }

                MarkEveryOwnershipLost(cause);
                if (lockConnection is not null)
                {
                    await lockConnection.DisposeAsync().ConfigureAwait(false);
                    lockConnection = null;
                }

                var delay = Jitter(options.RetryDelayFor(++reconnects));
                if (failure is not LockConnectionRefusedException)
                {
                    DaemonLog.LockConnectionUnavailable(logger, NodeName, delay, failure);
                }

                try
                {
                    await Task.Delay(delay, time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        await ShutDownAsync(lockConnection).ConfigureAwait(false);
    }

    private async Task<LockConnection> OpenLockConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = await LockConnection.OpenAsync(lockConnectionString, LockApplicationName, store.NotificationChannel, cancellationToken).ConfigureAwait(false);
        connection.Notification += (_, _) => WakeAgents();
        lockConnectionHealthy = true;
        DaemonLog.LockConnectionOpened(logger, NodeName, connection.Identity.BackendPid);
        return connection;
    }

    private async Task HeartbeatAsync(LockConnection lockConnection, CancellationToken stop)
    {
        var lost = await lockConnection.FindLostKeysAsync(options.HeartbeatTimeout, stop).ConfigureAwait(false);
        lockConnectionHealthy = true;
        foreach (var key in lost)
        {
            foreach (var slot in slots)
            {
                if (slot.Setup.LockKey.Value == key && slot.Agent is { } agent)
                {
                    services.ReportLockLost(agent.Ownership, LockLossCause.HeartbeatNotGranted);
                }
            }
        }

        await StopSupersededAgentsAsync(lockConnection, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// An epoch bumped by someone else (a rebuild, for example) fences this node's next commit, but an idle agent never
    /// commits: compare the owned projections' epochs with the progress rows once per heartbeat, so it stops and the
    /// lock is given back.
    /// </summary>
    private async Task StopSupersededAgentsAsync(LockConnection lockConnection, CancellationToken stop)
    {
        var owned = slots.Where(slot => slot.Agent is { Ownership.LostCause: null }).ToList();
        if (owned.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(epochCheckSql, lockConnection.Connection);
        command.CommandTimeout = Math.Max(1, (int)Math.Ceiling(options.HeartbeatTimeout.TotalSeconds));
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. owned.Select(slot => slot.Setup.Name)] });
        await using var reader = await command.ExecuteReaderAsync(stop).ConfigureAwait(false);
        while (await reader.ReadAsync(stop).ConfigureAwait(false))
        {
            var name = reader.GetString(0);
            var epoch = reader.GetInt64(1);
            if (owned.FirstOrDefault(slot => slot.Setup.Name == name)?.Agent is { } agent && epoch > agent.Ownership.Epoch)
            {
                services.ReportLockLost(agent.Ownership, SupersededCause);
            }
        }
    }

    private async Task AcquireAvailableAsync(LockConnection lockConnection, CancellationToken stop)
    {
        foreach (var slot in slots)
        {
            if (stop.IsCancellationRequested || slot.Agent is not null || slot.Paused || time.GetUtcNow() < slot.NotBefore)
            {
                continue;
            }

            if (!await lockConnection.TryAcquireAsync(slot.Setup.LockKey, stop).ConfigureAwait(false))
            {
                continue;
            }

            // Bump the epoch and read the position in one statement: a position read before the bump could be
            // overtaken by a deposed owner's last commit, and its events would be applied twice.
            var (epoch, position) = await BumpEpochAsync(lockConnection.Connection, slot.Setup.Name, stop).ConfigureAwait(false);
            var ownership = new ProjectionOwnership(slot.Setup.Name, NodeName, epoch, position, slot.Setup.LockKey, lockConnection.Identity);
            var agent = new SubscriptionAgent(slot.Setup, ownership, services);
            lock (gate)
            {
                slot.Agent = agent;
                slot.LastEpoch = epoch;
                slot.LastPosition = position;
            }

            DaemonLog.LockAcquired(logger, slot.Setup.Name, NodeName, epoch, position);
            RaiseLifecycle(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.LockAcquired, slot.Setup.Name, NodeName, epoch, time.GetUtcNow(), null, position, position));
            agent.Start(hardStop.Token);
        }
    }

    private async Task<(long Epoch, long Position)> BumpEpochAsync(NpgsqlConnection connection, string projection, CancellationToken stop)
    {
        await using var batch = new NpgsqlBatch(connection);
        var insert = new NpgsqlBatchCommand(progressInsertSql);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        var bump = new NpgsqlBatchCommand(acquireSql);
        bump.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        bump.Parameters.Add(new NpgsqlParameter<string> { TypedValue = NodeName });
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(bump);
        await using var reader = await batch.ExecuteReaderAsync(stop).ConfigureAwait(false);
        if (!await reader.ReadAsync(stop).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"The progress row of projection '{projection}' is missing.");
        }

        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private async Task ReapStoppedAgentsAsync(LockConnection lockConnection, CancellationToken stop)
    {
        foreach (var slot in slots)
        {
            if (slot.Paused && slot.ResumeRequested)
            {
                await lockConnection.ReleaseAsync(slot.Setup.LockKey, stop).ConfigureAwait(false);
                lock (gate)
                {
                    slot.Paused = false;
                    slot.ResumeRequested = false;
                    slot.NotBefore = time.GetUtcNow();
                }
            }

            if (slot.Agent is not { Completion.IsCompleted: true } agent)
            {
                continue;
            }

            // A stopped agent gives back a lock its session still holds, so that the next owner (possibly this node
            // again, after a jittered pause) starts under a new epoch. A paused one keeps it: others would pause too.
            if (agent.Status != AgentStatus.Paused)
            {
                await lockConnection.ReleaseAsync(slot.Setup.LockKey, stop).ConfigureAwait(false);
            }

            lock (gate)
            {
                // A node that lost a projection involuntarily sits out a longer round, so that a healthy node
                // takes over first instead of the node whose session just failed.
                var pause = agent.Ownership.LostCause is null ? options.AcquireInterval : options.AcquireInterval * 2;
                slot.NotBefore = time.GetUtcNow() + Jitter(pause);
                slot.Paused = agent.Status == AgentStatus.Paused;
                slot.Retire(agent);
            }
        }
    }

    private void MarkEveryOwnershipLost(string cause)
    {
        foreach (var slot in slots)
        {
            if (slot.Agent is { } agent)
            {
                services.ReportLockLost(agent.Ownership, cause);
            }

            // The locks of paused projections went with the session too.
            slot.Paused = false;
        }
    }

    private void WakeAgents()
    {
        foreach (var slot in slots)
        {
            slot.Agent?.Wake();
        }
    }

    private async Task ShutDownAsync(LockConnection? lockConnection)
    {
        var running = slots.Where(slot => slot.Agent is not null).Select(slot => slot.Agent!).ToList();
        foreach (var agent in running)
        {
            agent.RequestStop();
        }

        await Task.WhenAll(running.Select(agent => agent.Completion)).ConfigureAwait(false);
        if (lockConnection is not null)
        {
            try
            {
                foreach (var slot in slots)
                {
                    await lockConnection.ReleaseAsync(slot.Setup.LockKey, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception failure) when (failure is NpgsqlException or IOException)
            {
                // Closing the session below releases whatever could not be released one by one.
            }

            await lockConnection.DisposeAsync().ConfigureAwait(false);
        }

        lockConnectionHealthy = false;
        lock (gate)
        {
            foreach (var slot in slots)
            {
                if (slot.Agent is { } agent)
                {
                    slot.Retire(agent);
                }
            }
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

    private static TimeSpan Jitter(TimeSpan interval) => interval * (0.75 + (Random.Shared.NextDouble() * 0.5));

    private static readonly TimeSpan MaxLoopSleep = TimeSpan.FromMilliseconds(100);

    private static List<ProjectionSlot> BuildSlots(IEnumerable<IGeneratedProjection> projections, PostgresEventStore store, ProjectionDaemonOptions options)
    {
        var slots = new List<ProjectionSlot>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var keys = new Dictionary<long, string>();
        JsonSerializerOptions? documentOptions = null;
        foreach (var projection in projections)
        {
            var descriptor = projection.Descriptor;
            PostgresIdentifier.Parse(descriptor.Name, "Projection name");
            if (!names.Add(descriptor.Name))
            {
                throw new ArgumentException($"Two projections are named '{descriptor.Name}'; projection names must be unique.", nameof(projections));
            }

            var key = ProjectionLockKey.For(store.Schema, descriptor.Name);
            if (keys.TryGetValue(key.Value, out var other))
            {
                throw new ArgumentException($"Projections '{other}' and '{descriptor.Name}' hash to the same lock key {key}; rename one of them.", nameof(projections));
            }

            keys.Add(key.Value, descriptor.Name);
            var typeNames = descriptor.EventTypes.SelectMany(store.Types.GetStoredNamesReadAs).Distinct(StringComparer.Ordinal).ToArray();

            DocumentTable? table = null;
            JsonTypeInfo? typeInfo = null;
            if (descriptor.Kind == ProjectionKind.Aggregate)
            {
                table = DocumentTable.For(store.Schema, descriptor);
                documentOptions ??= options.DocumentSerializerOptions ?? ReflectionJsonOptions.Create("ProjectionDaemonOptions.DocumentSerializerOptions");
                typeInfo = documentOptions.GetTypeInfo(descriptor.DocumentType!);
            }

            var batchSize = descriptor.BatchSize > 0 ? descriptor.BatchSize : options.DefaultBatchSize;
            var maxRetries = descriptor.MaxRetries >= 0 ? descriptor.MaxRetries : options.DefaultMaxRetries;
            slots.Add(new ProjectionSlot(new ProjectionSetup(projection, key, typeNames, batchSize, maxRetries, table, typeInfo)));
        }

        if (slots.Count == 0)
        {
            throw new ArgumentException("The daemon needs at least one projection.", nameof(projections));
        }

        return slots;
    }
}
