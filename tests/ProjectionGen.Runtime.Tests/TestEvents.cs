using ProjectionGen;

namespace ProjectionGen.Tests;

public sealed record OrderPlaced(string OrderId, decimal Amount);

public sealed record ItemAdded(string Sku, int Quantity);

[EventType("customer_renamed_v2")]
public sealed record CustomerRenamed(string Name);

/// <summary>Serializes to a JSON body with a property typed differently than <see cref="ItemAdded"/> reads it.</summary>
public sealed record ItemAddedWithTextQuantity(string Sku, string Quantity);

/// <summary>An event that System.Text.Json refuses to serialize (a reference cycle).</summary>
public sealed class SelfReferencing
{
    public SelfReferencing? Next { get; set; }
}
