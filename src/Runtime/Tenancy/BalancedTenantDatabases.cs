using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.EventStore;

namespace ProjectionGen.Tenancy;

/// <summary>
/// An <see cref="ITenantDatabaseAssignment"/> that gives each tenant database to ONE node: the live, non-draining nodes
/// of the master database's node registry (where each node's own daemon registers), by rendezvous hashing with bounded
/// loads, within a per-node budget of <see cref="MaxTenantDatabases"/>. Every node computes the same plan from the same
/// registry, so nothing is elected or stored; two nodes that disagree for a moment only both <i>try</i>, and inside the
/// tenant database its advisory locks and epochs fence every commit (docs/cluster.md, "Tenant databases over nodes").
/// </summary>
/// <remarks>Configure the same budget, schema and eviction timeout on every node.</remarks>
public sealed class BalancedTenantDatabases : ITenantDatabaseAssignment
{
    private readonly NpgsqlDataSource master;
    private readonly string snapshotSql;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private IReadOnlyList<string> unplaced = [];

    /// <summary>An assignment of tenant databases to <paramref name="nodeName"/> from the registry of <paramref name="master"/>.</summary>
    /// <param name="master">The master database's connections (owned by the caller): the database whose node registry the nodes' own daemons register in.</param>
    /// <param name="nodeName">This node's name, as registered in the master database (the node's <c>Daemon.NodeName</c>).</param>
    /// <param name="maxTenantDatabases">The most tenant databases a node runs, the same on every node; <see langword="null"/> for no limit.</param>
    /// <param name="schema">The master database's ProjectionGen schema. Default <c>projectiongen</c>.</param>
    /// <param name="evictionTimeout">How old a node's heartbeat may be before it counts as gone; default the daemon's default <c>EvictionTimeout</c> (8 s).</param>
    /// <param name="loggerFactory">Logs tenant databases that no node can take (1057).</param>
    /// <exception cref="ArgumentException">The node name is empty, the schema invalid, the budget below 1 or the timeout not positive.</exception>
    public BalancedTenantDatabases(
        NpgsqlDataSource master,
        string nodeName,
        int? maxTenantDatabases = null,
        string schema = "projectiongen",
        TimeSpan? evictionTimeout = null,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(master);
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        if (maxTenantDatabases is < 1)
        {
            throw new ArgumentException($"maxTenantDatabases must be at least 1 (was {maxTenantDatabases}).", nameof(maxTenantDatabases));
        }

        if (evictionTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"evictionTimeout must be positive (was {timeout}).", nameof(evictionTimeout));
        }

        this.master = master;
        NodeName = nodeName;
        MaxTenantDatabases = maxTenantDatabases;
        EvictionTimeout = evictionTimeout ?? NodeRegistry.DefaultEvictionTimeout;
        snapshotSql = new NodeRegistry(PostgresIdentifier.Parse(schema, nameof(schema))).SnapshotSql;
        logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<BalancedTenantDatabases>();
    }

    /// <summary>This node's name in the master registry.</summary>
    public string NodeName { get; }

    /// <summary>The most tenant databases a node runs, or <see langword="null"/> for no limit.</summary>
    public int? MaxTenantDatabases { get; }

    /// <summary>How old a node's heartbeat may be before it counts as gone.</summary>
    public TimeSpan EvictionTimeout { get; }

    /// <summary>The tenants that no live node could take at the last decision (every node at its budget, or no live node), ordered.</summary>
    public IReadOnlyList<string> Unplaced
    {
        get
        {
            lock (gate)
            {
                return unplaced;
            }
        }
    }

    /// <summary>
    /// Whether another live, non-draining node of the master registry registered at least <paramref name="age"/> ago (by
    /// the server's clock): this node then joins nodes already running, which place it at once, rather than nodes started
    /// together with it (docs/tenancy.md, "Databases per tenant"). One query.
    /// </summary>
    internal async ValueTask<bool> JoinsEstablishedNodesAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        await using var command = master.CreateCommand(snapshotSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var node = NodeRegistry.ReadNode(reader);
            var now = node.HeartbeatAt + node.HeartbeatAge;
            if (!string.Equals(node.Name, NodeName, StringComparison.Ordinal) && node.IsLive(EvictionTimeout) && !node.Draining && now - node.StartedAt >= age)
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads the master registry (one query). This node runs nothing while it is not live there (its daemon not yet
    /// registered, or its heartbeat older than the eviction timeout), but counts itself while its heartbeat is fresh
    /// and its lock session is away for a moment; a failure to read it is thrown, so the node keeps its current set.
    /// </remarks>
    public async ValueTask<IReadOnlyList<TenantDatabase>> AssignAsync(IReadOnlyList<TenantDatabase> databases, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(databases);
        var nodes = new List<string>();
        await using (var command = master.CreateCommand(snapshotSql))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var node = NodeRegistry.ReadNode(reader);
                // A node reconnecting after a restart of the master's server keeps its share (docs/cluster.md, "After a
                // server restart"): the first node back does not open every tenant database only to close most again.
                // This node counts itself while its own heartbeat is fresh, even while its lock session is away (a
                // heartbeat timeout under load, a dropped connection): it keeps its databases instead of stopping them
                // all and starting them again a moment later (docs/cluster.md, "Tenant databases over nodes").
                var self = string.Equals(node.Name, NodeName, StringComparison.Ordinal) && node.HeartbeatAge < EvictionTimeout;
                if ((self || node.IsLive(EvictionTimeout) || node.IsReconnecting(EvictionTimeout)) && !node.Draining)
                {
                    nodes.Add(node.Name);
                }
            }
        }

        var plan = TenantDatabasePlanner.Plan([.. databases.Select(d => d.TenantId)], nodes, MaxTenantDatabases);
        var left = plan.Where(p => p.Value is null).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        bool changed;
        lock (gate)
        {
            changed = !left.SequenceEqual(unplaced, StringComparer.Ordinal);
            unplaced = left;
        }

        if (changed && left.Count > 0)
        {
            TenantLog.Unplaced(logger, left.Count, string.Join(", ", left), nodes.Count, MaxTenantDatabases?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none");
        }

        return [.. databases.Where(d => plan.TryGetValue(d.TenantId, out var owner) && string.Equals(owner, NodeName, StringComparison.Ordinal))];
    }
}
