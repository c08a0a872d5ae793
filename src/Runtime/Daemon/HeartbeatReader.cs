using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.EventStore;
using ProjectionGen.Locking;
using ProjectionGen.Progress;

namespace ProjectionGen.Daemon;

/// <summary>
/// The heartbeat's one round trip on the lock connection: renews the node's registration, lists the held locks no
/// longer granted, reads the owned slots' epochs, the registry, the cluster's held slot locks and the generations'
/// states, and now and then prunes long-dead registrations (docs/cluster.md, "One heartbeat, one round trip").
/// </summary>
internal sealed class HeartbeatReader
{
    private static readonly TimeSpan PruneAfter = TimeSpan.FromMinutes(10);

    private readonly NodeRegistry registry;
    private readonly ProgressTable progress;
    private readonly ProjectionVersionTable versions;
    private readonly ProjectionDaemonOptions options;
    private readonly TimeProvider time;
    private DateTimeOffset nextPrune;

    public HeartbeatReader(NodeRegistry registry, ProgressTable progress, ProjectionVersionTable versions, ProjectionDaemonOptions options, TimeProvider time)
    {
        this.registry = registry;
        this.progress = progress;
        this.versions = versions;
        this.options = options;
        this.time = time;
    }

    /// <summary>Runs the heartbeat for a node holding <paramref name="held"/> slots and owning <paramref name="owned"/>.</summary>
    public async Task<HeartbeatResult> ReadAsync(LockConnection lockConnection, int held, IReadOnlyList<string> owned, CancellationToken stop)
    {
        var draining = false;
        var lost = new List<long>();
        var epochs = new Dictionary<string, long>(StringComparer.Ordinal);
        var nodes = new Dictionary<string, NodeRecord>(StringComparer.Ordinal);
        var holders = new Dictionary<long, int>();
        var states = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        await using var batch = new NpgsqlBatch(lockConnection.Connection) { Timeout = BoundedLockBatch.TimeoutSeconds(options) };
        batch.BatchCommands.Add(BatchCommands.Create(registry.HeartbeatSql, new NpgsqlParameter<string> { TypedValue = options.NodeName }, new NpgsqlParameter<int> { TypedValue = held }));
        batch.BatchCommands.Add(lockConnection.CreateLostKeysCommand());
        batch.BatchCommands.Add(BatchCommands.Create(progress.EpochsSql, new NpgsqlParameter<string[]> { TypedValue = [.. owned] }));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(registry.SnapshotSql));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(registry.HeldKeysSql));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(versions.SnapshotSql));
        if (time.GetUtcNow() >= nextPrune)
        {
            batch.BatchCommands.Add(BatchCommands.Create(registry.PruneSql, new NpgsqlParameter<TimeSpan> { TypedValue = PruneAfter }));
            nextPrune = time.GetUtcNow() + TimeSpan.FromMinutes(1);
        }

        await using var reader = await batch.ExecuteReaderAsync(stop).ConfigureAwait(false);
        var registered = await reader.ReadAsync(stop).ConfigureAwait(false);
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
            nodes[node.Name] = node;
        }

        await reader.NextResultAsync(stop).ConfigureAwait(false);
        while (await reader.ReadAsync(stop).ConfigureAwait(false))
        {
            holders[reader.GetInt64(0)] = reader.GetInt32(1);
        }

        await reader.NextResultAsync(stop).ConfigureAwait(false);
        while (await reader.ReadAsync(stop).ConfigureAwait(false))
        {
            var projection = reader.GetString(0);
            if (!states.TryGetValue(projection, out var generations))
            {
                states[projection] = generations = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            generations[reader.GetString(1)] = reader.GetString(2);
        }

        return new HeartbeatResult(registered, draining, lost, epochs, new ClusterView(nodes, holders, states));
    }
}
