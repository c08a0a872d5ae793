using Npgsql;
using Orders.Events;
using ProjectionGen.EventStore;

namespace Orders.Infrastructure;

/// <summary>
/// Appends realistic order streams: placed, items added, then shipped or (sometimes) cancelled. One item in eight is
/// appended in the old <see cref="OrderLineAdded"/> shape, as version 1 of the app wrote it; readers see an <see cref="ItemAdded"/>.
/// With a tenant, the orders are that tenant's streams of a conjoined store (docs/tenancy.md).
/// </summary>
internal sealed class OrderWriter(PostgresEventStore store, int seed, string? tenant = null)
{
    private readonly TenantEventStore? tenantStore = tenant is null ? null : store.ForTenant(tenant);

    private static readonly string[] Customers = ["Ada", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret"];
    private readonly Random random = new(seed);
    private readonly List<(string Id, int Items)> open = [];

    /// <summary>Events this writer appended and saw committed.</summary>
    public long Appended { get; private set; }

    /// <summary>Appends that failed (a server restarting under the writer, for example) and were retried.</summary>
    public long Failures { get; private set; }

    /// <summary>Appends one event to a new or open order; a failed append is counted and left to the next call.</summary>
    public async Task AppendNextAsync(CancellationToken cancellationToken)
    {
        var (streamId, @event) = Next();
        try
        {
            await AppendAsync(streamId, [@event], ExpectedVersion.Any, cancellationToken);
            Appended++;
            Advance(streamId, @event);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            Failures++;
        }
    }

    /// <summary>Appends whole orders (placed, items, shipped) for <paramref name="streams"/> streams, <paramref name="eventsPerStream"/> events each.</summary>
    public async Task AppendOrdersAsync(int streams, int eventsPerStream, CancellationToken cancellationToken)
    {
        for (var s = 0; s < streams; s++)
        {
            var id = $"order-{Guid.NewGuid():N}";
            var events = new List<object>(eventsPerStream) { new OrderPlaced(id, Customers[random.Next(Customers.Length)]) };
            while (events.Count < eventsPerStream - 1)
            {
                events.Add(NewItem());
            }

            if (eventsPerStream > 1)
            {
                events.Add(new OrderShipped());
            }

            await AppendAsync(id, events, ExpectedVersion.NoStream, cancellationToken);
            Appended += events.Count;
        }
    }

    private Task<AppendResult> AppendAsync(string streamId, IReadOnlyList<object> events, ExpectedVersion expected, CancellationToken cancellationToken) =>
        tenantStore is null
            ? store.AppendAsync(streamId, events, expected, cancellationToken: cancellationToken)
            : tenantStore.AppendAsync(streamId, events, expected, cancellationToken: cancellationToken);

    private (string StreamId, object Event) Next()
    {
        if (open.Count == 0 || (open.Count < 50 && random.Next(4) == 0))
        {
            var id = $"order-{Guid.NewGuid():N}";
            return (id, new OrderPlaced(id, Customers[random.Next(Customers.Length)]));
        }

        var index = random.Next(open.Count);
        var (orderId, items) = open[index];
        var roll = random.Next(10);
        object next = items >= 2 && roll == 0 ? new OrderCancelled()
            : items >= 2 && roll < 3 ? new OrderShipped()
            : NewItem();
        return (orderId, next);
    }

    private object NewItem()
    {
        var (sku, quantity, cents) = ($"SKU-{random.Next(100):D3}", random.Next(1, 5), (random.Next(1, 200) * 100) + 99);
        return random.Next(8) == 0 ? new OrderLineAdded(sku, quantity, cents) : new ItemAdded(sku, quantity, cents / 100m);
    }

    private void Advance(string streamId, object appended)
    {
        var index = open.FindIndex(order => order.Id == streamId);
        switch (appended)
        {
            case OrderPlaced:
                open.Add((streamId, 0));
                break;
            case ItemAdded or OrderLineAdded when index >= 0:
                open[index] = (streamId, open[index].Items + 1);
                break;
            case OrderShipped or OrderCancelled when index >= 0:
                open.RemoveAt(index);
                break;
        }
    }
}
