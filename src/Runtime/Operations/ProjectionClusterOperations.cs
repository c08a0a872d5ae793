using Npgsql;
using ProjectionGen.Cluster;
using ProjectionGen.EventStore;
using ProjectionGen.Progress;

namespace ProjectionGen.Operations;

/// <summary>
/// Operator actions on a running cluster, from any process that can reach the database: drain a node (its slots move
/// to the other nodes within seconds, each after finishing its batch), undo a drain, and resume a projection paused on
/// a poison event. Every action is a row change plus a notification; the nodes act on it at their next heartbeat.
/// </summary>
public sealed class ProjectionClusterOperations
{
    private readonly PostgresEventStore store;
    private readonly NodeRegistry registry;
    private readonly ProgressTable progress;

    /// <summary>Creates the operations on <paramref name="store"/>'s connections and schema.</summary>
    public ProjectionClusterOperations(PostgresEventStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
        var schema = PostgresIdentifier.Parse(store.Schema, "EventStoreOptions.Schema");
        registry = new NodeRegistry(schema);
        progress = new ProgressTable(schema);
    }

    /// <summary>
    /// Drains <paramref name="node"/>: placement gives it nothing, so each of its agents finishes its batch, commits and
    /// releases the lock, and other nodes take the slots under new epochs. The drain lasts until
    /// <see cref="UndrainAsync"/> or until the node stops (a node that starts is not drained). A slot that no other node
    /// can run stays where it is.
    /// </summary>
    /// <returns><see langword="false"/> when no node of that name is registered.</returns>
    public Task<bool> DrainAsync(string node, CancellationToken cancellationToken = default) => SetDrainingAsync(node, true, cancellationToken);

    /// <summary>Ends a drain: the node takes its share again.</summary>
    /// <returns><see langword="false"/> when no node of that name is registered.</returns>
    public Task<bool> UndrainAsync(string node, CancellationToken cancellationToken = default) => SetDrainingAsync(node, false, cancellationToken);

    /// <summary>
    /// Resumes every slot of <paramref name="projection"/> paused on a poison event (after the handler or the event was
    /// fixed): a new epoch fences the node holding it paused, which gives the lock back, and whichever node takes it next
    /// retries from the committed position.
    /// </summary>
    /// <returns>The slots that were paused and are now resuming (empty when none was paused).</returns>
    public async Task<IReadOnlyList<string>> ResumeAsync(string projection, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(projection);
        var resumed = new List<string>();
        await using var batch = store.DataSource.CreateBatch();
        var resume = new NpgsqlBatchCommand(progress.ResumeProjectionSql);
        resume.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        batch.BatchCommands.Add(resume);
        batch.BatchCommands.Add(Notify("resume:" + projection));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            resumed.Add(reader.GetString(0));
        }

        return resumed;
    }

    private async Task<bool> SetDrainingAsync(string node, bool draining, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        await using var batch = store.DataSource.CreateBatch();
        var update = new NpgsqlBatchCommand(registry.SetDrainingSql);
        update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        update.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = draining });
        batch.BatchCommands.Add(update);
        batch.BatchCommands.Add(Notify((draining ? "drain:" : "undrain:") + node));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    private NpgsqlBatchCommand Notify(string payload)
    {
        var notify = new NpgsqlBatchCommand(registry.NotifySql);
        notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = registry.ClusterChannel });
        notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = payload });
        return notify;
    }
}
