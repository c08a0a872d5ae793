using Orders.Infrastructure;

namespace Orders.Commands;

/// <summary>Exit code 0 if and only if every sample read model equals the fold of all committed events.</summary>
internal static class VerifyCommand
{
    public static async Task<int> RunAsync(string connection, CancellationToken cancellationToken)
    {
        await using var database = await OrdersDatabase.OpenAsync(connection, applySchema: false, cancellationToken);
        var result = await ExactlyOnceVerifier.VerifyAsync(database, cancellationToken);
        Console.WriteLine($"events: {result.Events}; ledger rows: {result.LedgerRows} (read from {OrdersDatabase.LedgerTable}); order summaries: {result.Summaries}");
        Console.WriteLine($"sku sales: {result.SkuSales} products (multi-stream); upcast events: {result.UpcastEvents} stored as order_line_added, read as ItemAdded");
        foreach (var problem in result.Problems.Take(50))
        {
            Console.WriteLine("  " + problem);
        }

        Console.WriteLine(result.Verified ? "exactly-once verified" : $"{result.Problems.Count} discrepancies");
        return result.Verified ? 0 : 1;
    }
}
