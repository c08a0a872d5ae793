using ProjectionGen.Daemon;
using ProjectionGen.EventStore;

namespace ProjectionGen.Tenancy;

/// <summary>Settings of a <see cref="TenantDatabaseNode"/>.</summary>
public sealed class TenantDatabaseNodeOptions
{
    /// <summary>
    /// The settings every tenant daemon of this node starts from (node name, intervals, batch sizes, capacity, tags,
    /// pins). Its <see cref="ProjectionDaemonOptions.ConnectionString"/> and <see cref="ProjectionDaemonOptions.LockConnectionString"/>
    /// are not used: each tenant daemon connects with its tenant database's connection string. The node name is the
    /// same in every tenant database (each has its own node registry).
    /// </summary>
    public ProjectionDaemonOptions Daemon { get; set; } = new();

    /// <summary>The event store's settings, the same in every tenant database (schema, tenancy, event size limit).</summary>
    public EventStoreOptions EventStore { get; set; } = new();

    /// <summary>
    /// How often the node reads its tenant source (and, with a <see cref="BalancedTenantDatabases"/>, the master registry):
    /// a tenant database added, removed, or left by a node that died moves at the next read. Default 500 ms (three light
    /// statements on the master database per read).
    /// </summary>
    public TimeSpan TenantPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Whether the node applies the schema (and the document tables) to a tenant database before it starts its daemon,
    /// through the same lock-serialised migration as <c>ProjectionSchemaInstaller.ApplyAsync</c>; then the connection
    /// strings must be the schema owner's. Default <see langword="true"/>. Turn it off when the tenant databases are
    /// migrated beforehand.
    /// </summary>
    public bool ApplySchemaOnFirstUse { get; set; } = true;

    /// <summary>The delay after a tenant database's first failed start; it doubles up to <see cref="MaxStartRetryDelay"/>. Default 1 s.</summary>
    public TimeSpan StartRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between two starts of a tenant database that fails. Default 30 s.</summary>
    public TimeSpan MaxStartRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a removed tenant's daemon may take to stop gracefully (finish its batch, release its locks) before its
    /// in-flight batches are abandoned (their commits are fenced). Default 3 s.
    /// </summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Where the node publishes the state of each tenant database it runs after each read of its source, for the dashboard
    /// and the operator; <see langword="null"/> (the default outside a host) to publish nothing. <c>AddTenantDatabases</c>
    /// sets it to a board in the host's own database (docs/tenancy.md, "The tenant status board").
    /// </summary>
    public TenantStatusBoard? StatusBoard { get; set; }

    /// <summary>
    /// How long the node waits after <see cref="TenantDatabaseNode.StartAsync"/> before its first read of the source, so
    /// that nodes started together (within this delay) have all joined the master registry before any of them starts
    /// tenant databases: otherwise the first node to start runs every tenant database until the others register, and
    /// hands them over as they join (docs/tenancy.md, "Databases per tenant"). With a <see cref="BalancedTenantDatabases"/>
    /// the node stops waiting once another live node of the master registry has been registered for this long (log 1058): it
    /// joins nodes already running (a restart, a scale-out), which give it its share at once. Configure the same delay on
    /// every node. Default zero (no wait); not negative.
    /// </summary>
    public TimeSpan StartupSettleDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// The most tenant databases the node starts at the same time (schema check or migration, connections, the daemon's
    /// start); the others wait as <see cref="TenantDatabaseStatus.Starting"/>. Bounds the connections a node opens at
    /// once when it is given many tenant databases together (its start, or another node leaving). Default 4; at least 1.
    /// </summary>
    public int MaxConcurrentStarts { get; set; } = 4;

    /// <summary>
    /// The most batch connections each tenant daemon of this node opens to its tenant database, shared by its agents (a
    /// batch holds one for its transaction; an agent waiting for events holds none); the node sets this as the
    /// <c>Maximum Pool Size</c> of the tenant daemon's batch connections and of its store's connections, whatever the
    /// tenant's connection string says. So a node holds, per tenant database it runs, its lock connection and at most this
    /// many more, however many projections it runs: with many tenant databases the server's <c>max_connections</c> is the
    /// budget (docs/tenancy.md, "What the node does"). Default 1; at least 1.
    /// </summary>
    public int MaxBatchConnections { get; set; } = 1;

    /// <summary>Which tenant databases of the source this node runs. Default <see cref="AllTenantDatabases"/>.</summary>
    public ITenantDatabaseAssignment Assignment { get; set; } = AllTenantDatabases.Instance;

    /// <summary>
    /// Watch each tenant daemon while it runs (in a host, <c>AddTenantDatabases</c> adds the one that records the tenant
    /// daemons' metrics, traces and alerts with their tenant; docs/tenancy.md, "Operations per tenant").
    /// </summary>
    public IList<ITenantDaemonObserver> Observers { get; } = new List<ITenantDaemonObserver>();

    /// <summary>The fault suite's hooks (its audit trail, unfenced commits) for every tenant daemon; the defaults when null.</summary>
    internal DaemonTestHooks? TestHooks { get; set; }

    /// <summary>The problems with these settings, one clear message each; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Daemon is null || EventStore is null)
        {
            errors.Add("Daemon and EventStore are required.");
            return errors;
        }

        // The daemon's own rules, checked with a placeholder database (the tenant databases come later).
        errors.AddRange(TenantDaemonOptions.For(Daemon, "Host=localhost").Validate());
        Positive(errors, TenantPollInterval, nameof(TenantPollInterval));
        Positive(errors, StartRetryDelay, nameof(StartRetryDelay));
        Positive(errors, StopTimeout, nameof(StopTimeout));
        if (StartupSettleDelay < TimeSpan.Zero)
        {
            errors.Add($"StartupSettleDelay must not be negative (was {StartupSettleDelay}).");
        }

        if (MaxConcurrentStarts < 1)
        {
            errors.Add($"MaxConcurrentStarts must be at least 1 (was {MaxConcurrentStarts}).");
        }

        if (MaxBatchConnections < 1)
        {
            errors.Add($"MaxBatchConnections must be at least 1 (was {MaxBatchConnections}).");
        }

        if (MaxStartRetryDelay < StartRetryDelay)
        {
            errors.Add($"MaxStartRetryDelay ({MaxStartRetryDelay}) must not be shorter than StartRetryDelay ({StartRetryDelay}).");
        }

        if (Assignment is null)
        {
            errors.Add("Assignment is required (AllTenantDatabases.Instance runs every tenant database).");
        }

        return errors;
    }

    private static void Positive(List<string> errors, TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be positive (was {value}).");
        }
    }
}
