using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The run-time half of PGEN035 and the routes generated code uses.</summary>
public sealed class MultiStreamDescriptorTests
{
    [Fact]
    public void A_multi_stream_descriptor_is_an_unsharded_aggregate()
    {
        var descriptor = new ProjectionDescriptor("totals", ProjectionKind.Aggregate, [typeof(string)], typeof(object), 0, -1, PoisonEventPolicy.DeadLetter, null, multiStream: true);
        Assert.True(descriptor.MultiStream);

        var sharded = Assert.Throws<ArgumentException>(() =>
            new ProjectionDescriptor("totals", ProjectionKind.Aggregate, [typeof(string)], typeof(object), 0, -1, PoisonEventPolicy.DeadLetter, null, shards: 4, multiStream: true));
        Assert.Contains("cannot be sharded (4 shards)", sharded.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() =>
            new ProjectionDescriptor("ledger", ProjectionKind.Event, [typeof(string)], null, 0, -1, PoisonEventPolicy.DeadLetter, null, multiStream: true));
        Assert.False(new ProjectionDescriptor("ledger", ProjectionKind.Event, [typeof(string)], null, 0, -1, PoisonEventPolicy.DeadLetter, null, shards: 4).MultiStream);
    }

    [Fact]
    public void Routes_group_by_document_in_first_routed_order_keep_sequence_order_and_count_a_repeated_id_once()
    {
        var routes = new DocumentRoutes();
        var e1 = Envelope(1);
        var e2 = Envelope(2);
        var e3 = Envelope(3);
        routes.Add(e1, "b");
        routes.Add(e2, ["a", "b", "a"]);
        routes.Add(e3, Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301"));
        routes.Add(e3, [7L, 8_000_000_000L]);
        routes.Add(e3, Array.Empty<int>());

        Assert.Equal(["b", "a", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "7", "8000000000"], routes.DocumentIds);
        Assert.Equal(
            [("b", 1L), ("b", 2L), ("a", 2L), ("3f2504e0-4f89-11d3-9a0c-0305e82c3301", 3L), ("7", 3L), ("8000000000", 3L)],
            routes.InDocumentOrder().Select(r => (r.DocumentId, r.Envelope.Sequence)));
        Assert.Equal(6, routes.Count);
        Assert.Throws<ArgumentException>(() => routes.Add(e1, ""));
        Assert.Throws<ArgumentException>(() => routes.Add(e1, (IEnumerable<string>)null!));
        Assert.Throws<ArgumentException>(() => routes.Add(e1, ["x", null!]));
    }

    private static EventEnvelope Envelope(long sequence) => new(sequence, "s", sequence, "t", new object(), DateTimeOffset.UnixEpoch);
}
