namespace Orders.Events;

/// <summary>A customer placed an order; the first event of an order stream.</summary>
/// <param name="OrderId">The order id (also the stream id).</param>
/// <param name="Customer">The customer's name.</param>
public sealed record OrderPlaced(string OrderId, string Customer);
