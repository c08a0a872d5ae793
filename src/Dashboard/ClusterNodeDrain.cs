using ProjectionGen.Operations;

namespace ProjectionGen.Dashboard;

/// <summary>The dashboard's drain action, through <see cref="ProjectionClusterOperations.DrainAsync"/>.</summary>
internal sealed class ClusterNodeDrain(ProjectionClusterOperations operations) : IDashboardNodeDrain
{
    public async Task<string> DrainAsync(string node, CancellationToken cancellationToken) =>
        await operations.DrainAsync(node, cancellationToken).ConfigureAwait(false)
            ? $"Node {node} is draining: each of its slots moves to another node after its current batch."
            : $"No node named {node} is registered.";
}
