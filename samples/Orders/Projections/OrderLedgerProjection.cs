using Orders.Events;
using ProjectionGen;

namespace Orders.Projections;

/// <summary>
/// An event projection: one row per event in <c>projectiongen.order_ledger</c>, queued as a typed
/// <see cref="OrderLedgerRow"/> (each batch's rows are one INSERT in its commit). The table has no unique constraint, so
/// a batch applied twice would show up as duplicate rows: the exactly-once check of the demo. It declares the table it
/// writes, so it can be rebuilt beside the live one (<c>rebuild order_ledger --shadow</c>, docs/versions.md): each
/// generation's rows go to its own copy, and readers query the view <c>projectiongen.order_ledger</c>. An in-place
/// rebuild truncates the generation's copy.
/// </summary>
[Projection("order_ledger", BatchSize = 100, Tables = new[] { "order_ledger" })]
public sealed partial class OrderLedgerProjection
{
    /// <summary>Records the placement.</summary>
    public static void Handle(OrderPlaced placed, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Insert(new OrderLedgerRow(metadata.Sequence, metadata.StreamId, nameof(OrderPlaced), 0m));

    /// <summary>Records the item's value.</summary>
    public static void Handle(ItemAdded added, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Insert(new OrderLedgerRow(metadata.Sequence, metadata.StreamId, nameof(ItemAdded), added.Quantity * added.UnitPrice));

    /// <summary>Records the shipment.</summary>
    public static void Handle(OrderShipped shipped, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Insert(new OrderLedgerRow(metadata.Sequence, metadata.StreamId, nameof(OrderShipped), 0m));

    /// <summary>Records the cancellation.</summary>
    public static void Handle(OrderCancelled cancelled, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Insert(new OrderLedgerRow(metadata.Sequence, metadata.StreamId, nameof(OrderCancelled), 0m));
}
