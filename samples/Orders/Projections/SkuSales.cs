namespace Orders.Projections;

/// <summary>The sales of one product over every order: a multi-stream document keyed by SKU.</summary>
public sealed class SkuSales
{
    /// <summary>The product's stock keeping unit (the document id).</summary>
    public string Sku { get; set; } = "";

    /// <summary>Items sold.</summary>
    public int Quantity { get; set; }

    /// <summary>Revenue: quantity times unit price, summed.</summary>
    public decimal Revenue { get; set; }

    /// <summary>Order lines (item events) that sold it.</summary>
    public int Lines { get; set; }
}
