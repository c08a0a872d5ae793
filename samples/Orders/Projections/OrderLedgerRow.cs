using ProjectionGen;

namespace Orders.Projections;

/// <summary>One row of <c>order_ledger</c> (the copy of the generation that writes it): the generator implements <see cref="IProjectionRow{TRow}"/> for it (columns seq, stream_id, event_type, amount).</summary>
/// <param name="Seq">The event's global sequence.</param>
/// <param name="StreamId">The order's stream.</param>
/// <param name="EventType">The event's type name.</param>
/// <param name="Amount">The value the event adds.</param>
[ProjectionRow("order_ledger")]
public sealed partial record OrderLedgerRow(long Seq, string StreamId, string EventType, decimal Amount);
