using Orders.Infrastructure;
using ProjectionGen.Operations;

namespace Orders.Commands;

/// <summary>The operator's cluster actions: drain (or undrain) a node, resume a paused projection.</summary>
internal static class ClusterCommands
{
    public static async Task<int> DrainAsync(string connection, string node, bool undo, CancellationToken cancellationToken)
    {
        await using var database = await OrdersDatabase.OpenAsync(connection, applySchema: false, cancellationToken);
        var operations = new ProjectionClusterOperations(database.Store);
        var found = undo ? await operations.UndrainAsync(node, cancellationToken) : await operations.DrainAsync(node, cancellationToken);
        if (!found)
        {
            await Console.Error.WriteLineAsync($"No node named '{node}' is registered.");
            return 1;
        }

        Console.WriteLine(undo
            ? $"Node {node} is no longer draining: it takes its share again."
            : $"Node {node} is draining: each of its slots moves to another node after its current batch.");
        return 0;
    }

    public static async Task<int> ResumeAsync(string connection, string projection, CancellationToken cancellationToken)
    {
        await using var database = await OrdersDatabase.OpenAsync(connection, applySchema: false, cancellationToken);
        var resumed = await new ProjectionClusterOperations(database.Store).ResumeAsync(projection, cancellationToken);
        Console.WriteLine(resumed.Count == 0
            ? $"Projection {projection} has no paused slot."
            : $"Resuming {string.Join(", ", resumed)}: the next owner retries from the committed position.");
        return 0;
    }
}
