using Orders.Events;
using ProjectionGen;

namespace Orders.Projections;

/// <summary>
/// An event projection: one row per event in <c>order_ledger</c>, queued as a typed <see cref="OrderLedgerRow"/> (each
/// batch's rows are one INSERT in its commit). The table has no unique constraint, so a batch applied twice would show
/// up as duplicate rows: the exactly-once check of the demo.
/// </summary>
[Projection("order_ledger", BatchSize = 100)]
public sealed partial class OrderLedgerProjection : IResettableProjection
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

    /// <summary>A rebuild empties the ledger in the transaction that resets the position.</summary>
    public void Reset(IProjectionWriter writer) => writer.Execute("DELETE FROM order_ledger");
}
