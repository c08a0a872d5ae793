using System.Text.Json;
using Orders.Infrastructure;

namespace Orders.Commands;

/// <summary>Owner, epoch, position, high-water mark and lag per projection, as a table or as JSON.</summary>
internal static class StatusCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<int> RunAsync(string connection, bool json, CancellationToken cancellationToken)
    {
        await using var database = await OrdersDatabase.OpenAsync(connection, applySchema: false, cancellationToken);
        var rows = await OrdersStatus.ReadAsync(database, cancellationToken);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(rows.Select(r => new { r.Projection, r.Owner, r.Epoch, r.Position, r.HighWaterMark, r.Lag, r.LastCommitAt }), Json));
            return 0;
        }

        Console.WriteLine($"{"projection",-16} {"owner",-16} {"epoch",6} {"position",10} {"mark",10} {"lag",8}  last commit");
        foreach (var row in rows)
        {
            Console.WriteLine($"{row.Projection,-16} {row.Owner ?? "-",-16} {row.Epoch,6} {row.Position,10} {row.HighWaterMark,10} {row.Lag,8}  {row.LastCommitAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
        }

        return 0;
    }
}
