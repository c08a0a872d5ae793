namespace ProjectionGen.Generators.Tests;

/// <summary>Representative projections: compiled for the snapshot, incrementality and compile-and-run tests.</summary>
internal static class SampleSources
{
    /// <summary>The events of the samples.</summary>
    public const string Events = """
        namespace Shop.Events;

        public sealed record OrderPlaced(string OrderId);
        public sealed record ItemAdded(string Sku, int Quantity);
        public readonly record struct PriceChanged(int Cents);
        public sealed record OrderShipped(bool Fail);
        public record Note(string Text);
        public sealed record UrgentNote(string Text) : Note(Text);

        public sealed record CartOpened(string Owner);
        public sealed record CartItemAdded(int Count);
        public sealed record CartCheckedOut;
        public sealed record CartAbandoned(bool Force);

        public sealed record TicketOpened(string Title);
        public sealed record TicketVoted;
        """;

    /// <summary>An event projection with sync and async handlers and every optional parameter, in varied order.</summary>
    public const string Ledger = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using ProjectionGen;
        using Shop.Events;

        namespace Shop.Projections;

        [Projection("shop_ledger", BatchSize = 50, MaxRetries = 3, OnPoisonEvent = PoisonEventPolicy.Pause, Shards = 4)]
        public sealed partial class LedgerProjection
        {
            public List<string> Log { get; } = new();

            public void Handle(OrderPlaced e) => Log.Add($"placed {e.OrderId}");

            public async Task Handle(ItemAdded e, IProjectionWriter writer, EventMetadata metadata, CancellationToken cancellationToken)
            {
                await Task.Delay(1, cancellationToken);
                writer.Execute("INSERT INTO items (sku, quantity, seq) VALUES ($1, $2, $3)", e.Sku, e.Quantity, metadata.Sequence);
                Log.Add($"added {e.Sku} x{e.Quantity} at {metadata.Sequence} in {metadata.StreamId}");
            }

            public async ValueTask Handle(PriceChanged e, CancellationToken cancellationToken)
            {
                await Task.Yield();
                Log.Add($"price {e.Cents}");
            }

            // Declared before the derived type's handler: the switch must still test UrgentNote first.
            public void Handle(Note e) => Log.Add($"note {e.Text}");

            public void Handle(UrgentNote e) => Log.Add($"urgent {e.Text}");

            public void Handle(OrderShipped e, EventMetadata metadata)
            {
                if (e.Fail)
                {
                    throw new InvalidOperationException("shipping failed");
                }

                Log.Add($"shipped v{metadata.StreamVersion}");
            }

            public void Unrelated() => Log.Clear();
        }
        """;

    /// <summary>An aggregate with Create, Apply (mutating and replacing), ShouldDelete, and shared event types.</summary>
    public const string Cart = """
        using System;
        using ProjectionGen;
        using Shop.Events;

        namespace Shop.Projections;

        public sealed class Cart
        {
            public string Owner { get; set; } = "";
            public int Items { get; set; }
            public int Reopened { get; set; }
            public bool CheckedOut { get; set; }
            public bool Abandoned { get; set; }
        }

        [Projection(TableName = "carts")]
        public sealed partial class CartProjection
        {
            public static Cart Create(CartOpened e, EventMetadata metadata) => new() { Owner = $"{e.Owner}@{metadata.StreamId}" };

            // Create and Apply for one type: Apply runs when the stream already has a document.
            public static void Apply(CartOpened e, Cart cart) => cart.Reopened++;

            public static void Apply(CartItemAdded e, Cart cart) =>
                cart.Items += e.Count >= 0 ? e.Count : throw new ArgumentOutOfRangeException(nameof(e), "negative count");

            public static Cart Apply(CartCheckedOut e, Cart cart, EventMetadata metadata) =>
                new() { Owner = cart.Owner, Items = cart.Items, Reopened = cart.Reopened, CheckedOut = true };

            // Apply and ShouldDelete for one type: ShouldDelete wins when it returns true.
            public static bool ShouldDelete(CartAbandoned e, Cart cart) => e.Force || cart.Items == 0;

            public static void Apply(CartAbandoned e, Cart cart) => cart.Abandoned = true;
        }
        """;

    /// <summary>An aggregate whose document has no parameterless constructor and is replaced, never mutated.</summary>
    public const string Ticket = """
        using ProjectionGen;
        using Shop.Events;

        namespace Shop.Projections;

        public sealed record Ticket(string Title, int Votes);

        [Projection]
        internal partial class TicketProjection
        {
            public Ticket Create(TicketOpened e) => new(e.Title, 0);

            public Ticket Apply(TicketVoted e, Ticket ticket) => ticket with { Votes = ticket.Votes + 1 };
        }
        """;

    /// <summary>Every sample source.</summary>
    public static string[] All => [Events, Ledger, Cart, Ticket];
}
