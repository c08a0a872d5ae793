namespace Orders.Events;

/// <summary>An item was added to an order.</summary>
/// <param name="Sku">The product's stock keeping unit.</param>
/// <param name="Quantity">How many.</param>
/// <param name="UnitPrice">The price of one.</param>
public sealed record ItemAdded(string Sku, int Quantity, decimal UnitPrice);
