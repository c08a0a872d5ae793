using ProjectionGen;

namespace Orders.Events;

/// <summary>
/// How version 1 of the orders app recorded an item: a product, a count and the price in cents. Old stores still hold
/// these events as <c>order_line_added</c>; <see cref="OrderUpcasters"/> turns each into an <see cref="ItemAdded"/> when it
/// is read, so no projection ever sees this type. (The sample's writers still append some, as an old app version would.)
/// </summary>
/// <param name="Product">The product's stock keeping unit.</param>
/// <param name="Count">How many.</param>
/// <param name="PriceCents">The price of one, in cents.</param>
[EventType("order_line_added")]
public sealed record OrderLineAdded(string Product, int Count, long PriceCents);
