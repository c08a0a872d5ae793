using Orders.Infrastructure;
using ProjectionGen.Operations;

namespace Orders.Commands;

/// <summary>
/// Per projection: owner node, epoch, position, high-water mark, lag, last commit, last lock loss and its cause, and
/// dead letters — as a table, or as JSON with <c>--json</c>.
/// </summary>
internal static class StatusCommand
{
    public static async Task<int> RunAsync(string connection, bool json, CancellationToken cancellationToken)
    {
        await using var database = await OrdersDatabase.OpenAsync(connection, applySchema: false, cancellationToken);
        var statuses = await new ProjectionStatusReader(database.Store).ReadAsync(cancellationToken);
        Console.WriteLine(json ? ProjectionStatusFormatter.ToJson(statuses) : ProjectionStatusFormatter.ToTable(statuses));
        return 0;
    }
}
