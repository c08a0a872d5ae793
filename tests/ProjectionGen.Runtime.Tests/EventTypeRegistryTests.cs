using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

public sealed class EventTypeRegistryTests
{
    private sealed record HTTPRequestSent;

    private sealed record V2Shipped;

    [Fact]
    public void Default_names_are_snake_case_and_the_attribute_overrides_them()
    {
        var registry = new EventTypeRegistry().Register<OrderPlaced>().Register<CustomerRenamed>().Register<HTTPRequestSent>().Register<V2Shipped>();
        Assert.Equal("order_placed", registry.GetName(typeof(OrderPlaced)));
        Assert.Equal("customer_renamed_v2", registry.GetName(typeof(CustomerRenamed)));
        Assert.Equal("http_request_sent", registry.GetName(typeof(HTTPRequestSent)));
        Assert.Equal("v2_shipped", registry.GetName(typeof(V2Shipped)));
        Assert.True(registry.TryGetType("order_placed", out var type));
        Assert.Equal(typeof(OrderPlaced), type);
        Assert.False(registry.TryGetType("nope", out _));
    }

    [Fact]
    public void A_name_registered_for_two_types_is_an_error_and_re_registering_a_pair_is_not()
    {
        var registry = new EventTypeRegistry().Register<OrderPlaced>().Register<OrderPlaced>();
        var taken = Assert.Throws<ArgumentException>(() => registry.Register(typeof(ItemAdded), "order_placed"));
        Assert.Contains("already registered for", taken.Message, StringComparison.Ordinal);
        var renamed = Assert.Throws<ArgumentException>(() => registry.Register(typeof(OrderPlaced), "other"));
        Assert.Contains("already registered as 'order_placed'", renamed.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => registry.Register(typeof(ItemAdded), " "));
        Assert.Throws<ArgumentException>(() => registry.Register<IDisposable>());
        Assert.Throws<ArgumentException>(() => registry.GetName(typeof(ItemAdded)));
    }
}
