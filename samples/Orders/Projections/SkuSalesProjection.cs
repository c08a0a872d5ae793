using Orders.Events;
using ProjectionGen;

namespace Orders.Projections;

/// <summary>
/// A multi-stream aggregate projection: revenue per product, one <see cref="SkuSales"/> document per SKU gathering the
/// items of every order stream (including old <see cref="OrderLineAdded"/> events, read as <see cref="ItemAdded"/>).
/// </summary>
[Projection("sku_sales")]
public sealed partial class SkuSalesProjection
{
    /// <summary>An item counts for its product's document.</summary>
    public static string Identity(ItemAdded added) => added.Sku;

    /// <summary>The product's first sale.</summary>
    public static SkuSales Create(ItemAdded added) =>
        new() { Sku = added.Sku, Quantity = added.Quantity, Revenue = added.Quantity * added.UnitPrice, Lines = 1 };

    /// <summary>A further sale.</summary>
    public static void Apply(ItemAdded added, SkuSales sales)
    {
        sales.Quantity += added.Quantity;
        sales.Revenue += added.Quantity * added.UnitPrice;
        sales.Lines++;
    }
}
