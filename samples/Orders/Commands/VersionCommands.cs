using Orders.Infrastructure;
using ProjectionGen.Versions;

namespace Orders.Commands;

/// <summary>
/// The versions of the aggregate projections and of order_ledger, which declares its table (docs/versions.md): a shadow rebuild (built beside the live table, readers
/// switched once it has caught up), a switch back to a kept generation, and the retirement of a kept one.
/// </summary>
internal static class VersionCommands
{
    public static Task<int> ShadowRebuildAsync(string connection, string projection, CancellationToken cancellationToken) =>
        RunAsync(connection, async operations =>
        {
            var generation = await operations.StartShadowRebuildAsync(projection, cancellationToken);
            Console.WriteLine($"Shadow rebuild of {projection}: generation {generation} builds beside the live one; readers are switched once it has caught up (see status).");
        }, cancellationToken);

    public static Task<int> SwitchBackAsync(string connection, string projection, string generation, CancellationToken cancellationToken) =>
        RunAsync(connection, async operations =>
        {
            await operations.SwitchBackAsync(projection, generation, cancellationToken);
            Console.WriteLine($"Switching {projection} back to {generation}: it catches up from where it stopped, then readers are switched.");
        }, cancellationToken);

    public static Task<int> RetireAsync(string connection, string projection, string generation, CancellationToken cancellationToken) =>
        RunAsync(connection, async operations =>
        {
            await operations.RetireAsync(projection, generation, cancellationToken);
            Console.WriteLine($"Retired generation {generation} of {projection}: its table is dropped, its progress rows deleted.");
        }, cancellationToken);

    private static async Task<int> RunAsync(string connection, Func<ProjectionVersionOperations, Task> action, CancellationToken cancellationToken)
    {
        await using var database = await OrdersDatabase.OpenAsync(connection, applySchema: false, cancellationToken);
        try
        {
            await action(new ProjectionVersionOperations(database.Store, OrdersDatabase.Projections()));
            return 0;
        }
        catch (Exception failure) when (failure is ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine(failure.Message);
            return 1;
        }
    }
}
