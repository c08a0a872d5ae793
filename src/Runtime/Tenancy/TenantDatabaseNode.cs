using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ProjectionGen.Common;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;

namespace ProjectionGen.Tenancy;

/// <summary>
/// A node over many tenant databases: it reads its <see cref="ITenantSource"/> every
/// <see cref="TenantDatabaseNodeOptions.TenantPollInterval"/> and runs, for each tenant database its
/// <see cref="TenantDatabaseNodeOptions.Assignment"/> gives it, one <see cref="ProjectionDaemon"/> over that database,
/// with the database's own schema, progress, node registry, advisory locks and epochs: fencing inside each tenant
/// database is exactly a single database's (docs/cluster.md). A tenant database added is started (its schema applied on
/// first use); one removed is stopped gracefully and its connections closed; one that is down is retried with backoff
/// and stalls no other tenant. See docs/tenancy.md, "Databases per tenant".
/// </summary>
/// <remarks>Connection strings never appear in this node's logs, errors or states.</remarks>
public sealed class TenantDatabaseNode : IAsyncDisposable
{
    private readonly ITenantSource source;
    private readonly IReadOnlyList<IGeneratedProjection> projections;
    private readonly EventTypeRegistry eventTypes;
    private readonly TenantDatabaseNodeOptions options;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly Dictionary<string, TenantDatabaseRunner> runners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task> stopping = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TenantDatabaseState> stopped = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop = new();
    private readonly SemaphoreSlim starts;
    private bool boardFailing;
    private int cleared;
    private Task loop = Task.CompletedTask;
    private int started;
    private int disposed;

    /// <summary>A node over the tenant databases of <paramref name="source"/>; nothing runs until <see cref="StartAsync"/>.</summary>
    /// <param name="source">Where the tenant databases come from.</param>
    /// <param name="projections">The projections every tenant daemon runs (generated code, shared by the tenant daemons).</param>
    /// <param name="eventTypes">The event types (and upcasters) of every tenant's store.</param>
    /// <param name="options">The node's settings; the daemon template's connection strings are not used.</param>
    /// <param name="loggerFactory">Logs of the node (1050-1059) and of its tenant daemons.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public TenantDatabaseNode(
        ITenantSource source,
        IEnumerable<IGeneratedProjection> projections,
        EventTypeRegistry eventTypes,
        TenantDatabaseNodeOptions options,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(projections);
        ArgumentNullException.ThrowIfNull(eventTypes);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid TenantDatabaseNodeOptions: " + string.Join(" ", errors), nameof(options));
        }

        this.source = source;
        this.projections = [.. projections];
        this.eventTypes = eventTypes;
        this.options = options;
        starts = new SemaphoreSlim(options.MaxConcurrentStarts, options.MaxConcurrentStarts);
        this.loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        logger = this.loggerFactory.CreateLogger<TenantDatabaseNode>();
    }

    /// <summary>This node's name (the same in every tenant database).</summary>
    public string NodeName => options.Daemon.NodeName;

    /// <summary>Which tenant databases this node runs (<see cref="TenantDatabaseNodeOptions.Assignment"/>), for example a <see cref="BalancedTenantDatabases"/> with its unplaced tenants.</summary>
    public ITenantDatabaseAssignment Assignment => options.Assignment;

    /// <summary>
    /// Where each tenant database stands on this node: the ones it runs (starting, running or failed) and the ones removed
    /// since (stopped), ordered by tenant id. No connection string appears in them.
    /// </summary>
    public IReadOnlyList<TenantDatabaseState> GetTenantStates()
    {
        lock (gate)
        {
            var states = runners.Values.Select(r => r.State()).ToDictionary(s => s.TenantId, StringComparer.Ordinal);
            foreach (var (tenant, state) in stopped)
            {
                states.TryAdd(tenant, state);
            }

            return [.. states.Values.OrderBy(s => s.TenantId, StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// Starts the reconciling loop: the first read of the source happens at once (or after
    /// <see cref="TenantDatabaseNodeOptions.StartupSettleDelay"/>), then every
    /// <see cref="TenantDatabaseNodeOptions.TenantPollInterval"/>. Returns without waiting for any tenant daemon to start
    /// (see <see cref="GetTenantStates"/>). A node starts once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The node was already started.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException($"The tenant database node '{NodeName}' was already started; a node starts once.");
        }

        loop = Task.Run(() => RunAsync(stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops the loop and every tenant daemon gracefully (each within <see cref="TenantDatabaseNodeOptions.StopTimeout"/>),
    /// releasing their locks and closing their connections. Cancelling <paramref name="cancellationToken"/> abandons
    /// in-flight batches sooner (their commits are fenced).
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref disposed) == 0)
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }

        await loop.ConfigureAwait(false);
        List<Task> all;
        lock (gate)
        {
            all = [.. runners.Keys.ToList().Select(tenant => Remove(tenant, cancellationToken)), .. stopping.Values];
        }

        await Task.WhenAll(all).ConfigureAwait(false);
        if (options.StatusBoard is { } board && Interlocked.Exchange(ref cleared, 1) == 0)
        {
            // Nothing of this node runs any more: its entries leave the board (bounded; a failure leaves them to the next node).
            try
            {
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bound.CancelAfter(options.StopTimeout);
                await board.ClearAsync(NodeName, bound.Token).ConfigureAwait(false);
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                TenantLog.BoardFailed(logger, NodeName, ErrorText.Describe(failure));
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            stop.Dispose();
            starts.Dispose();
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        if (options.StartupSettleDelay > TimeSpan.Zero)
        {
            try
            {
                await SettleAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var listed = await source.ReadAsync(cancellationToken).ConfigureAwait(false);
                var assigned = await options.Assignment.AssignAsync(listed, cancellationToken).ConfigureAwait(false);
                Reconcile(assigned);
                await PublishAsync(listed, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                int count;
                lock (gate)
                {
                    count = runners.Count;
                }

                TenantLog.SourceFailed(logger, NodeName, ErrorText.Describe(failure), count);
            }

            try
            {
                await Task.Delay(options.TenantPollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Waits <see cref="TenantDatabaseNodeOptions.StartupSettleDelay"/>, so that nodes started together all join the master
    /// registry before any of them places tenant databases; with a <see cref="BalancedTenantDatabases"/>, only while no
    /// other node has been registered for that long (checked every <see cref="TenantDatabaseNodeOptions.TenantPollInterval"/>):
    /// a node joining nodes already running is placed by them at once, and waiting would leave its share without a node.
    /// </summary>
    private async Task SettleAsync(CancellationToken cancellationToken)
    {
        var settled = Stopwatch.GetTimestamp() + (long)(options.StartupSettleDelay.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < settled)
        {
            if (options.Assignment is BalancedTenantDatabases balanced)
            {
                try
                {
                    if (await balanced.JoinsEstablishedNodesAsync(options.StartupSettleDelay, cancellationToken).ConfigureAwait(false))
                    {
                        TenantLog.JoinedEstablished(logger, NodeName, options.StartupSettleDelay);
                        return;
                    }
                }
                catch (Exception failure) when (failure is not OperationCanceledException && failure is not OutOfMemoryException)
                {
                    // The master unreadable: the delay runs out as it would without the check.
                }
            }

            var remaining = TimeSpan.FromSeconds((double)(settled - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            if (remaining > TimeSpan.Zero)
            {
                await Task.Delay(remaining < options.TenantPollInterval ? remaining : options.TenantPollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Publishes the running tenants' states on the status board, if the node has one; a failure is logged once until a publish succeeds again.</summary>
    private async Task PublishAsync(IReadOnlyList<TenantDatabase> listed, CancellationToken cancellationToken)
    {
        if (options.StatusBoard is not { } board)
        {
            return;
        }

        List<TenantDatabaseState> states;
        lock (gate)
        {
            states = [.. runners.Values.Select(r => r.State())];
        }

        try
        {
            await board.PublishAsync(NodeName, [.. listed.Select(d => d.TenantId)], states, cancellationToken).ConfigureAwait(false);
            boardFailing = false;
        }
        catch (Exception failure) when (failure is not OperationCanceledException && failure is not OutOfMemoryException)
        {
            if (!boardFailing)
            {
                boardFailing = true;
                TenantLog.BoardFailed(logger, NodeName, ErrorText.Describe(failure));
            }
        }
    }

    /// <summary>Starts a runner for each tenant database assigned and not running, and stops each one running and no longer assigned (or whose connection string changed).</summary>
    private void Reconcile(IReadOnlyList<TenantDatabase> assigned)
    {
        var wanted = new Dictionary<string, TenantDatabase>(StringComparer.Ordinal);
        foreach (var database in assigned)
        {
            // At most one per tenant: the first listed wins.
            wanted.TryAdd(database.TenantId, database);
        }

        lock (gate)
        {
            foreach (var (tenant, runner) in runners.ToList())
            {
                if (!wanted.TryGetValue(tenant, out var database) || !string.Equals(database.ConnectionString, runner.Database.ConnectionString, StringComparison.Ordinal))
                {
                    _ = Remove(tenant, CancellationToken.None);
                }
            }

            foreach (var (tenant, database) in wanted)
            {
                if (runners.ContainsKey(tenant))
                {
                    continue;
                }

                var runner = new TenantDatabaseRunner(database, projections, eventTypes, options, loggerFactory, logger, starts);
                runners[tenant] = runner;
                stopped.Remove(tenant);
                TenantLog.Added(logger, tenant, NodeName);

                // A tenant removed a moment ago (or whose connection string changed) starts again only once its old
                // daemon has stopped: the same node name must not register twice in one database.
                runner.Start(stopping.TryGetValue(tenant, out var previous) ? previous : Task.CompletedTask);
            }
        }
    }

    /// <summary>Stops the runner of <paramref name="tenant"/> in the background; the returned task ends when its connections are closed. Called under the gate.</summary>
    private Task Remove(string tenant, CancellationToken cancellationToken)
    {
        var runner = runners[tenant];
        runners.Remove(tenant);
        var previous = stopping.TryGetValue(tenant, out var earlier) ? earlier : Task.CompletedTask;
        var stopTask = Task.Run(
            async () =>
            {
                await runner.StopAsync(cancellationToken).ConfigureAwait(false);
                lock (gate)
                {
                    stopped[tenant] = runner.State();
                }
            },
            CancellationToken.None);
        var done = Task.WhenAll(previous, stopTask);
        stopping[tenant] = done;
        _ = done.ContinueWith(
            _ =>
            {
                lock (gate)
                {
                    if (stopping.TryGetValue(tenant, out var current) && current == done)
                    {
                        stopping.Remove(tenant);
                    }
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return done;
    }
}
