using Microsoft.Extensions.Logging;
using Npgsql;
using ProjectionGen.Common;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Hosting;

namespace ProjectionGen.Tenancy;

/// <summary>
/// One tenant database on a <see cref="TenantDatabaseNode"/>: applies its schema on first use, runs a
/// <see cref="ProjectionDaemon"/> over its own connections, retries a failed start with backoff, and on removal stops
/// the daemon gracefully (its locks released) and closes every connection it opened. Nothing here touches another
/// tenant's database, so a tenant that is down stalls only itself.
/// </summary>
internal sealed class TenantDatabaseRunner : IDisposable
{
    private readonly TenantDatabase database;
    private readonly IReadOnlyList<IGeneratedProjection> projections;
    private readonly EventTypeRegistry eventTypes;
    private readonly TenantDatabaseNodeOptions options;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger logger;
    private readonly SemaphoreSlim starts;
    private readonly CancellationTokenSource removed = new();
    private readonly Lock gate = new();
    private TenantDatabaseStatus status = TenantDatabaseStatus.Starting;
    private string? error;
    private int failedStarts;
    private DateTimeOffset since = DateTimeOffset.UtcNow;
    private ProjectionDaemon? daemon;
    private PostgresEventStore? store;
    private List<IAsyncDisposable> observations = [];
    private Task run = Task.CompletedTask;

    public TenantDatabaseRunner(
        TenantDatabase database,
        IReadOnlyList<IGeneratedProjection> projections,
        EventTypeRegistry eventTypes,
        TenantDatabaseNodeOptions options,
        ILoggerFactory loggerFactory,
        ILogger logger,
        SemaphoreSlim starts)
    {
        this.starts = starts;
        this.database = database;
        this.projections = projections;
        this.eventTypes = eventTypes;
        this.options = options;
        this.loggerFactory = loggerFactory;
        this.logger = logger;
    }

    /// <summary>The tenant database this runner serves.</summary>
    public TenantDatabase Database => database;

    private string NodeName => options.Daemon.NodeName;

    /// <summary>Starts serving the tenant database once <paramref name="previous"/> (a stop of the same tenant's earlier runner) is done.</summary>
    public void Start(Task previous) => run = Task.Run(() => RunAsync(previous), CancellationToken.None);

    /// <summary>Where the tenant database stands now.</summary>
    public TenantDatabaseState State()
    {
        lock (gate)
        {
            var current = daemon;
            if (status == TenantDatabaseStatus.Running && current is not null)
            {
                // The daemon reconnects its lock connection by itself; while it is down the tenant is failed.
                long? mark = store is { KnownHighWaterMark: > 0 and var known } ? known : null;
                return current.IsLockConnectionHealthy
                    ? new TenantDatabaseState(database.TenantId, status, null, failedStarts, since, current.GetStates()) { HighWaterMark = mark }
                    : new TenantDatabaseState(database.TenantId, TenantDatabaseStatus.Failed, "lock connection down; the daemon reconnects", failedStarts, since, current.GetStates()) { HighWaterMark = mark };
            }

            return new TenantDatabaseState(database.TenantId, status, error, failedStarts, since, []);
        }
    }

    /// <summary>
    /// Stops serving: the daemon stops gracefully within <see cref="TenantDatabaseNodeOptions.StopTimeout"/> (then its
    /// in-flight batches are abandoned, their commits fenced) or when <paramref name="cancellationToken"/> is cancelled,
    /// and every connection is closed.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await removed.CancelAsync().ConfigureAwait(false);
        using var hard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hard.CancelAfter(options.StopTimeout);
        ProjectionDaemon? running;
        lock (gate)
        {
            running = daemon;
        }

        if (running is not null)
        {
            try
            {
                await running.StopAsync(hard.Token).ConfigureAwait(false);
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                TenantLog.StopFailed(logger, database.TenantId, NodeName, ErrorText.Describe(failure));
            }
        }

        await run.ConfigureAwait(false);
        Dispose();
    }

    /// <summary>Releases the removal signal; called by <see cref="StopAsync"/> once the runner has stopped.</summary>
    public void Dispose() => removed.Dispose();

    private async Task RunAsync(Task previous)
    {
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // The earlier runner logged its own stop failure.
        }

        var stop = removed.Token;
        while (!stop.IsCancellationRequested)
        {
            // A retry keeps the failed status and its error until a start succeeds: health stays degraded through it.
            lock (gate)
            {
                if (failedStarts == 0)
                {
                    SetStatus(TenantDatabaseStatus.Starting, null);
                }
            }

            NpgsqlDataSource? dataSource = null;
            ProjectionDaemon? started = null;
            try
            {
                // At most MaxConcurrentStarts tenant databases of the node start at once (docs/tenancy.md, "What the node does").
                await starts.WaitAsync(stop).ConfigureAwait(false);
                try
                {
                    if (options.ApplySchemaOnFirstUse)
                    {
                        await ProjectionSchemaInstaller.ApplyAsync(WithApplicationName("projectiongen-schema:"), options.EventStore, projections, stop).ConfigureAwait(false);
                    }

                    dataSource = NpgsqlDataSource.Create(Pooled(WithApplicationName("projectiongen-store:")));
                    var tenantStore = new PostgresEventStore(dataSource, options.EventStore, eventTypes);
                    started = new ProjectionDaemon(tenantStore, projections, TenantDaemonOptions.For(options.Daemon, Pooled(database.ConnectionString)), options.TestHooks ?? new DaemonTestHooks(), new TenantLoggerFactory(loggerFactory, database.TenantId));
                    observations = [.. options.Observers.Select(o => o.Observe(database.TenantId, started, tenantStore))];
                    lock (gate)
                    {
                        daemon = started;
                        store = tenantStore;
                    }

                    await started.StartAsync(stop).ConfigureAwait(false);
                }
                finally
                {
                    starts.Release();
                }

                lock (gate)
                {
                    failedStarts = 0;
                }

                SetStatus(TenantDatabaseStatus.Running, null);
                TenantLog.Running(logger, database.TenantId, NodeName);

                // Runs until removed; StopAsync stops the daemon (gracefully, bounded) before this wait ends.
                await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Removed, or the node stops.
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                int attempt;
                lock (gate)
                {
                    attempt = ++failedStarts;
                }

                var text = ErrorText.Describe(failure);
                SetStatus(TenantDatabaseStatus.Failed, text);
                var delay = RetryDelay(attempt);
                TenantLog.StartFailed(logger, database.TenantId, NodeName, attempt, text, delay);
                await CloseAsync(started, dataSource).ConfigureAwait(false);
                started = null;
                dataSource = null;
                try
                {
                    await Task.Delay(delay, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Removed while waiting to retry.
                }
            }
            finally
            {
                if (stop.IsCancellationRequested)
                {
                    await CloseAsync(started, dataSource).ConfigureAwait(false);
                }
            }
        }

        SetStatus(TenantDatabaseStatus.Stopped, null);
        TenantLog.Removed(logger, database.TenantId, NodeName);
    }

    /// <summary>Disposes the daemon (its batch connections and lock connection) and the store's connections.</summary>
    private async Task CloseAsync(ProjectionDaemon? started, NpgsqlDataSource? dataSource)
    {
        lock (gate)
        {
            daemon = null;
            store = null;
        }

        if (started is not null)
        {
            try
            {
                using var bound = new CancellationTokenSource(options.StopTimeout);
                await started.StopAsync(bound.Token).ConfigureAwait(false);
                await started.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                TenantLog.StopFailed(logger, database.TenantId, NodeName, ErrorText.Describe(failure));
            }
        }

        // After the daemon's stop, so that its last events are observed; before its store's connections close.
        foreach (var observation in observations)
        {
            await observation.DisposeAsync().ConfigureAwait(false);
        }

        observations = [];
        if (dataSource is not null)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private TimeSpan RetryDelay(int attempt)
    {
        var delay = options.StartRetryDelay * Math.Pow(2, Math.Min(attempt - 1, 16));
        return delay > options.MaxStartRetryDelay ? options.MaxStartRetryDelay : delay;
    }

    private void SetStatus(TenantDatabaseStatus next, string? text)
    {
        lock (gate)
        {
            if (status != next || !string.Equals(error, text, StringComparison.Ordinal))
            {
                since = DateTimeOffset.UtcNow;
            }

            status = next;
            error = text;
        }
    }

    /// <summary>
    /// <paramref name="connectionString"/> with at most <see cref="TenantDatabaseNodeOptions.MaxBatchConnections"/> pooled
    /// connections: the tenant daemon's agents share them (the lock connection is not pooled), so a node's connections
    /// per tenant database do not grow with the projections (docs/tenancy.md, "What the node does").
    /// </summary>
    private string Pooled(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = options.MaxBatchConnections };
        builder.MinPoolSize = Math.Min(builder.MinPoolSize, builder.MaxPoolSize);
        return builder.ConnectionString;
    }

    /// <summary>The tenant's connection string with an <c>application_name</c> that names this node, so that <c>pg_stat_activity</c> shows whose connections these are.</summary>
    private string WithApplicationName(string prefix) =>
        new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = prefix + NodeName }.ConnectionString;
}
