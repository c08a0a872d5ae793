namespace Orders.Projections;

/// <summary>The read model of one order, stored as a JSON document keyed by the order's stream id.</summary>
public sealed class OrderSummary
{
    /// <summary>The customer's name.</summary>
    public string Customer { get; set; } = "";

    /// <summary>The number of items ordered.</summary>
    public int ItemCount { get; set; }

    /// <summary>The order total.</summary>
    public decimal Total { get; set; }

    /// <summary>Placed or Shipped.</summary>
    public string Status { get; set; } = "";
}
