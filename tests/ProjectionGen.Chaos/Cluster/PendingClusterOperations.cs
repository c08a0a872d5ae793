using ProjectionGen.EventStore;

namespace ProjectionGen.Operations;

// TEMPORARY: ProjectionClusterOperations of docs/cluster-contract, so that the harness compiles before the cluster core
// lands on main. Deleted at the merge of the core, where the real type takes over.
internal sealed class ProjectionClusterOperations(PostgresEventStore store)
{
    public Task DrainAsync(string node, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"Draining {node} of {store.Schema} needs the cluster core.");

    public Task UndrainAsync(string node, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"Undraining {node} of {store.Schema} needs the cluster core.");
}
