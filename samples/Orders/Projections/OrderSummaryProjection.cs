using Orders.Events;
using ProjectionGen;

namespace Orders.Projections;

/// <summary>An aggregate projection: one <see cref="OrderSummary"/> per order stream, deleted when the order is cancelled.</summary>
[Projection("order_summary")]
public sealed partial class OrderSummaryProjection
{
    /// <summary>Starts the summary from the order's first event.</summary>
    public static OrderSummary Create(OrderPlaced placed) => new() { Customer = placed.Customer, Status = "Placed" };

    /// <summary>Adds the item to the totals.</summary>
    public static void Apply(ItemAdded added, OrderSummary summary)
    {
        summary.ItemCount += added.Quantity;
        summary.Total += added.Quantity * added.UnitPrice;
    }

    /// <summary>Marks the order shipped.</summary>
    public static void Apply(OrderShipped shipped, OrderSummary summary) => summary.Status = "Shipped";

    /// <summary>A cancelled order has no summary.</summary>
    public static bool ShouldDelete(OrderCancelled cancelled) => true;
}
