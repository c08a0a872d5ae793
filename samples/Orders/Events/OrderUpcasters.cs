using ProjectionGen;

namespace Orders.Events;

/// <summary>Old event shapes, converted to the current ones on every read (listed in the generated <c>GeneratedUpcasters.All</c>).</summary>
[EventUpcasters]
public static class OrderUpcasters
{
    /// <summary>A version-1 order line is an item added.</summary>
    public static ItemAdded Upcast(OrderLineAdded old) => new(old.Product, old.Count, old.PriceCents / 100m);
}
