using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.Locking;

namespace ProjectionGen.Daemon;

/// <summary>
/// Ends the lock sessions of hung nodes: registered nodes whose session still exists but whose heartbeat is older than
/// the eviction timeout plus one heartbeat (docs/cluster.md, "Hung owners: eviction"). A missing privilege is logged once per session.
/// </summary>
internal sealed class NodeEviction
{
    private readonly NodeRegistry registry;
    private readonly ProjectionDaemonOptions options;
    private readonly AgentServices services;
    private readonly HashSet<string> failuresLogged = new(StringComparer.Ordinal);

    public NodeEviction(NodeRegistry registry, ProjectionDaemonOptions options, AgentServices services)
    {
        this.registry = registry;
        this.options = options;
        this.services = services;
    }

    /// <summary>Evicts every hung node of <paramref name="view"/>; <see langword="true"/> when one was evicted (replan).</summary>
    public async Task<bool> EvictHungNodesAsync(LockConnection lockConnection, ClusterView view, CancellationToken stop)
    {
        var self = options.NodeName;
        var evicted = false;
        foreach (var node in view.Nodes.Values)
        {
            if (node.Name == self || !node.BackendAlive || node.HeartbeatAge <= options.EvictionTimeout + options.HeartbeatInterval)
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
                    DaemonLog.NodeEvicted(services.Logger, self, node.Name, node.LockPid, node.HeartbeatAge);
                    services.Raise(new ProjectionLifecycleEventArgs(ProjectionLifecycleKind.NodeEvicted, "", self, 0, services.Time.GetUtcNow(), $"node {node.Name} evicted: heartbeat {node.HeartbeatAge.TotalSeconds:0.0} s old"));
                    evicted = true;
                }
            }
            catch (PostgresException denied) when (denied.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                if (failuresLogged.Add($"{node.Name}/{node.LockPid}"))
                {
                    DaemonLog.EvictionFailed(services.Logger, self, node.Name, denied.MessageText);
                }
            }
        }

        return evicted;
    }
}
