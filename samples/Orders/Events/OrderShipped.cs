namespace Orders.Events;

/// <summary>The order left the warehouse.</summary>
public sealed record OrderShipped;
