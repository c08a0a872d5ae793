namespace ProjectionGen.Generators.Tests;

/// <summary>
/// The shapes users expect from Marten: multi-stream aggregates (string, Guid, int and long ids), live aggregation
/// (every single-stream aggregate) and upcasters (a v1 -> v2 -> v3 chain from old CLR types, and raw JSON of a type
/// that no longer exists). Compiled for the snapshot, incrementality and compile-and-run tests.
/// </summary>
internal static class ShapeSources
{
    /// <summary>The events, current and old.</summary>
    public const string Events = """
        using ProjectionGen;

        namespace Shop.Events;

        public sealed record CustomerOrdered(string Customer, int Cents);
        public sealed record ReferralOrdered(string Customer, string Referrer);
        public sealed record CustomerForgotten(string Customer);
        public record PaymentMade(System.Guid Account, long Cents);
        public sealed record LatePaymentMade(System.Guid Account, long Cents) : PaymentMade(Account, Cents);
        public readonly record struct Reading(int Value);
        public sealed record Tallied(System.Collections.Generic.List<long> Buckets);

        // The current shape, and two old ones that stored events still have.
        public sealed record TicketFiled(string Title, int Priority, string Queue);

        [EventType("ticket_filed_2")]
        public sealed record TicketFiledV2(string Title, int Priority);

        public sealed record TicketFiledV1(string Title);
        """;

    /// <summary>A multi-stream aggregate by customer: Identity, Identities with metadata and a repeated id, ShouldDelete.</summary>
    public const string CustomerTotals = """
        using System.Collections.Generic;
        using ProjectionGen;
        using Shop.Events;

        namespace Shop.Projections;

        public sealed class CustomerTotal
        {
            public string Customer { get; set; } = "";
            public int Orders { get; set; }
            public int Cents { get; set; }
            public int Referrals { get; set; }
            public List<long> Sequences { get; set; } = new();
        }

        [Projection("customer_totals", BatchSize = 100)]
        public sealed partial class CustomerTotalsProjection
        {
            public static string Identity(CustomerOrdered e) => e.Customer;

            // An order with a referrer reaches both customers' documents; the repeated id reaches its document once.
            public static IEnumerable<string> Identities(ReferralOrdered e, EventMetadata metadata) => new[] { e.Customer, e.Referrer, e.Customer };

            public static string Identity(CustomerForgotten e) => e.Customer;

            public static CustomerTotal Create(CustomerOrdered e, EventMetadata metadata) =>
                new() { Customer = e.Customer, Orders = 1, Cents = e.Cents, Sequences = { metadata.Sequence } };

            public static void Apply(CustomerOrdered e, CustomerTotal total, EventMetadata metadata)
            {
                total.Orders++;
                total.Cents += e.Cents;
                total.Sequences.Add(metadata.Sequence);
            }

            public static void Apply(ReferralOrdered e, CustomerTotal total, EventMetadata metadata)
            {
                total.Referrals++;
                total.Sequences.Add(metadata.Sequence);
            }

            public static bool ShouldDelete(CustomerForgotten e) => true;
        }
        """;

    /// <summary>Multi-stream aggregates keyed by Guid (a route for a base type), int and long (Identities over a list).</summary>
    public const string KeyedTotals = """
        using System;
        using System.Collections.Generic;
        using ProjectionGen;
        using Shop.Events;

        namespace Shop.Projections;

        public sealed class Total
        {
            public long Sum { get; set; }
            public int Count { get; set; }
        }

        [Projection]
        public sealed partial class AccountTotalsProjection
        {
            // Routes LatePaymentMade too: a route for a base type covers its derived types.
            public static Guid Identity(PaymentMade e) => e.Account;

            public void Apply(PaymentMade e, Total total)
            {
                total.Sum += e.Cents;
                total.Count++;
            }

            public void Apply(LatePaymentMade e, Total total)
            {
                total.Sum += e.Cents * 2;
                total.Count++;
            }
        }

        [Projection]
        public sealed partial class ReadingBandsProjection
        {
            public static int Identity(Reading e) => e.Value / 10;

            public static void Apply(Reading e, Total total)
            {
                total.Sum += e.Value;
                total.Count++;
            }
        }

        [Projection]
        public sealed partial class BucketsProjection
        {
            public static List<long> Identities(Tallied e) => e.Buckets;

            public static Total Apply(Tallied e, Total total) => new() { Sum = total.Sum + 1, Count = total.Count + 1 };
        }
        """;

    /// <summary>A single-stream aggregate over the newest ticket shape (live aggregation) and the ticket upcasters.</summary>
    public const string Tickets = """
        using System.Text.Json;
        using ProjectionGen;
        using Shop.Events;

        namespace Shop.Projections;

        public sealed class TicketBoard
        {
            public string Title { get; set; } = "";
            public int Priority { get; set; }
            public string Queue { get; set; } = "";
            public int Filed { get; set; }
        }

        [Projection("ticket_board")]
        public sealed partial class TicketBoardProjection
        {
            public static TicketBoard Create(TicketFiled e) => new() { Title = e.Title, Priority = e.Priority, Queue = e.Queue, Filed = 1 };

            public static void Apply(TicketFiled e, TicketBoard board)
            {
                board.Filed++;
                board.Priority = System.Math.Min(board.Priority, e.Priority);
            }
        }

        [EventUpcasters]
        public static class TicketUpcasters
        {
            public static TicketFiled Upcast(TicketFiledV2 old) => new(old.Title, old.Priority, "triage");

            public static TicketFiledV2 Upcast(TicketFiledV1 old) => new(old.Title, 3);

            // Version 0 of the app stored tickets as "ticket_opened" with a "subject"; that type no longer exists.
            [UpcastFrom("ticket_opened")]
            public static TicketFiledV1 FromTicketOpened(JsonElement json) => new(json.GetProperty("subject").GetString() ?? "");
        }
        """;

    /// <summary>Every shape source.</summary>
    public static string[] All => [Events, CustomerTotals, KeyedTotals, Tickets];
}
