using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.Locking;

namespace ProjectionGen.Daemon;

/// <summary>
/// A node's row in the registry, on its lock connection: registering (with the projections it advertises), the
/// cluster notifications (<c>join:</c>, <c>leave:</c>, <c>switch:</c>), the bare heartbeat while shutting down, and
/// deregistering (docs/cluster.md).
/// </summary>
internal sealed class NodeMembership
{
    private readonly NodeRegistry registry;
    private readonly ProjectionDaemonOptions options;
    private readonly IReadOnlyList<ProjectionSlot> slots;
    private readonly string version;

    public NodeMembership(NodeRegistry registry, ProjectionDaemonOptions options, IReadOnlyList<ProjectionSlot> slots)
    {
        this.registry = registry;
        this.options = options;
        this.slots = slots;
        version = typeof(NodeMembership).Assembly.GetName().Version?.ToString() ?? "unknown";
        CapacityText = options.Capacity?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited";
    }

    /// <summary>The advertised entries, comma-separated, for logs.</summary>
    public string AdvertisedText => string.Join(", ", Advertised());

    /// <summary>The node's capacity, for logs.</summary>
    public string CapacityText { get; }

    /// <summary>Registers (or re-registers) the node.</summary>
    /// <exception cref="LockConnectionRefusedException">Another live node is registered under this name.</exception>
    public async Task RegisterAsync(LockConnection lockConnection, bool draining, CancellationToken cancellationToken)
    {
        await using var command = registry.CreateRegister(lockConnection.Connection, options.NodeName, version, Advertised(), [.. options.Tags], options.Capacity, draining);
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            throw new LockConnectionRefusedException(
                $"Another live node is registered as '{options.NodeName}' (its lock session is open): give every node a unique ProjectionDaemonOptions.NodeName.");
        }
    }

    /// <summary>
    /// The entries the node advertises: those of its projections' generations, without those a newer shape took from it
    /// (docs/cluster.md, "Shapes across code versions").
    /// </summary>
    private string[] Advertised() => AdvertisedProjection.For(slots.Where(s => !s.ShapeFenced).Select(s => s.Setup), options);

    /// <summary>Notifies the cluster channel with <paramref name="payload"/>: the nodes replan.</summary>
    public async Task NotifyAsync(LockConnection lockConnection, string payload, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(registry.NotifySql, lockConnection.Connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = registry.ClusterChannel });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = payload });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renews the registration alone, reporting <paramref name="held"/> slots.</summary>
    public async Task RenewAsync(LockConnection lockConnection, int held, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(registry.HeartbeatSql, lockConnection.Connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = options.NodeName });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = held });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the node's row and notifies <c>leave:</c>.</summary>
    public async Task DeregisterAsync(LockConnection lockConnection, CancellationToken cancellationToken)
    {
        await using (var command = new NpgsqlCommand(registry.DeregisterSql, lockConnection.Connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = options.NodeName });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await NotifyAsync(lockConnection, "leave:" + options.NodeName, cancellationToken).ConfigureAwait(false);
    }
}
