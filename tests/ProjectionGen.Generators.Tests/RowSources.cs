namespace ProjectionGen.Generators.Tests;

/// <summary>Sources with <c>[ProjectionRow]</c> types for the row generator's snapshot and compile-and-run tests.</summary>
internal static class RowSources
{
    public const string Rows = """
        using System;
        using ProjectionGen;

        namespace Shop.Rows
        {
            /// <summary>The README's order ledger row.</summary>
            [ProjectionRow("order_ledger")]
            public sealed partial record OrderLedgerRow(Guid OrderId, long Seq, string Sku, int Quantity, decimal? UnitPrice);

            /// <summary>Every supported column type, a keyword-named property, a renamed column and members that are no columns.</summary>
            [ProjectionRow("all_types")]
            public partial class AllTypesRow
            {
                public short Small { get; init; }
                public int Number { get; init; }
                public long Big { get; init; }
                public bool Flag { get; init; }
                public string Text { get; init; } = "";
                public decimal Price { get; init; }
                public double Ratio { get; init; }
                public float Fraction { get; init; }
                public Guid Id { get; init; }
                public DateTime When { get; init; }
                public DateTimeOffset At { get; init; }
                public DateOnly Day { get; init; }
                public byte[] Bytes { get; init; } = [];
                public short? SmallN { get; init; }
                public int? NumberN { get; init; }
                public long? BigN { get; init; }
                public bool? FlagN { get; init; }
                public string? TextN { get; init; }
                public decimal? PriceN { get; init; }
                public double? RatioN { get; init; }
                public float? FractionN { get; init; }
                public Guid? IdN { get; init; }
                public DateTime? WhenN { get; init; }
                public DateTimeOffset? AtN { get; init; }
                public DateOnly? DayN { get; init; }
                public byte[]? BytesN { get; init; }
                public int @event { get; init; }
                [ProjectionColumn("http_status")]
                public int HTTPStatusCode { get; init; }
                public static int NotAColumn => 1;
                internal int AlsoNotAColumn { get; init; }
                public int this[int index] => index;
            }

            public static partial class Outer
            {
                [ProjectionRow("nested_rows")]
                internal partial record struct NestedRow(long Seq);
            }

            /// <summary>Queues rows the way a handler does.</summary>
            public static class RowQueue
            {
                public static void Queue(IProjectionWriter writer)
                {
                    var order = Guid.Parse("00000000-0000-0000-0000-00000000000a");
                    writer.Insert(new OrderLedgerRow(order, 1, "sku-1", 2, 9.5m));
                    writer.Insert(new OrderLedgerRow(order, 2, "sku-2", 1, null));
                    writer.Execute("UPDATE t SET x = 1");
                    writer.Insert(new Outer.NestedRow(3));
                    writer.Insert(new AllTypesRow { Number = 7, @event = 8, HTTPStatusCode = 404, TextN = "n" });
                }
            }
        }
        """;
}
