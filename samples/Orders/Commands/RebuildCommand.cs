using Orders.Infrastructure;
using ProjectionGen.Operations;

namespace Orders.Commands;

/// <summary>
/// Rebuilds a projection while nodes run: one transaction bumps its epoch (fencing the current owner), resets its
/// position to 0 and empties its read model; some node then replays it from the first event.
/// </summary>
internal static class RebuildCommand
{
    public static async Task<int> RunAsync(string connection, string projection, CancellationToken cancellationToken)
    {
        await using var database = await OrdersDatabase.OpenAsync(connection, applySchema: false, cancellationToken);
        var rebuilder = new ProjectionRebuilder(database.Store, OrdersDatabase.Projections());
        if (!rebuilder.ProjectionNames.Contains(projection, StringComparer.Ordinal))
        {
            Console.Error.WriteLine($"Unknown projection '{projection}'; known: {string.Join(", ", rebuilder.ProjectionNames)}.");
            return 2;
        }

        var result = await rebuilder.RebuildAsync(projection, cancellationToken);
        Console.WriteLine(result);
        return 0;
    }
}
