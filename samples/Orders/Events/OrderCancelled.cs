namespace Orders.Events;

/// <summary>The order was cancelled; its summary is deleted.</summary>
public sealed record OrderCancelled;
