using Orders.Infrastructure;
using ProjectionGen.Operations;

namespace Orders.Commands;

/// <summary>
/// The nodes (name, liveness, last heartbeat, slots owned, capacity, draining), then per slot: owner node, epoch, position, high-water mark, lag, last commit, last lock loss and its cause, and
/// dead letters — as a table, or as JSON with <c>--json</c>.
/// </summary>
internal static class StatusCommand
{
    public static async Task<int> RunAsync(string connection, bool json, CancellationToken cancellationToken)
    {
        await using var database = await OrdersDatabase.OpenAsync(connection, applySchema: false, cancellationToken);
        var status = await new ProjectionStatusReader(database.Store).ReadClusterAsync(cancellationToken);
        Console.WriteLine(json ? ProjectionStatusFormatter.ToJson(status) : ProjectionStatusFormatter.ToTable(status));
        return 0;
    }
}
