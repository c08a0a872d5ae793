namespace ProjectionGen.Generators.Tests;

/// <summary>A projection whose events and document cover every shape the JSON contract generator serves, and some it leaves to reflection.</summary>
internal static class JsonContractSources
{
    public const string Shapes = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json;
        using System.Text.Json.Nodes;
        using System.Text.Json.Serialization;
        using ProjectionGen;

        namespace Shapes;

        public enum Tier { Bronze, Silver, Gold }

        public sealed record Line(string Sku, int Quantity, decimal? Discount);

        public sealed class Address
        {
            public string Street { get; set; } = "";
            public string? City { get; set; }
        }

        public sealed record Everything(
            string Name, bool Flag, byte B, sbyte SB, short S, ushort US, int I, uint UI, long L, ulong UL, float F, double D, decimal M, char C,
            Guid Id, DateTime At, DateTimeOffset AtOffset, DateOnly Day, TimeOnly Time, TimeSpan Span,
            Tier Tier, Tier? MaybeTier, int? MaybeInt, int[] Numbers, List<Line> Lines, Dictionary<string, int> Counts,
            Dictionary<string, List<Address>> Nested, Address Home, Address? Work, int Defaulted = 5, string Label = "x", decimal Rate = 1.5m)
        {
            public int Computed => I * 2;
        }

        public sealed class Renamed
        {
            [JsonPropertyName("renamed_value")]
            public int Value { get; set; }

            public string Other { get; set; } = "";
        }

        public sealed class WithPrivateSetter
        {
            public int Count { get; private set; }

            public string Name { get; set; } = "";
        }

        public sealed class ByConstructor
        {
            public ByConstructor(string name, int count)
            {
                Name = name;
                Count = count;
            }

            public string Name { get; }

            public int Count { get; }

            public bool Flag { get; set; }
        }

        public sealed class Converted
        {
            [JsonConverter(typeof(JsonStringEnumConverter))]
            public Tier Tier { get; set; }
        }

        public sealed class WithExtension
        {
            [JsonExtensionData]
            public Dictionary<string, object>? Extra { get; set; }

            public int A { get; set; }
        }

        [JsonPolymorphic]
        [JsonDerivedType(typeof(Child), "child")]
        public class Parent
        {
            public int A { get; set; }
        }

        public sealed class Child : Parent
        {
            public int B { get; set; }
        }

        public sealed class InitOnly
        {
            public int A { get; init; }
        }

        public struct Point
        {
            public int X { get; set; }

            public int Y { get; init; }
        }

        public readonly record struct Stamp(int Cents, string By);

        public class Base
        {
            public virtual string Kind { get; set; } = "base";

            public int Shared { get; init; }
        }

        public sealed class Derived : Base
        {
            public override string Kind { get; set; } = "derived";

            public int Own { get; set; }
        }

        public sealed class BclValues
        {
            public byte[] Bytes { get; set; } = [];

            public byte[]? MaybeBytes { get; set; }

            public Memory<byte> Memory { get; set; }

            public ReadOnlyMemory<byte> ReadOnlyMemory { get; set; }

            public JsonElement Element { get; set; }

            public JsonElement? MaybeElement { get; set; }

            public JsonDocument? Document { get; set; }

            public JsonNode? Node { get; set; }

            public JsonObject? Object { get; set; }

            public JsonArray? Array { get; set; }

            public JsonValue? Value { get; set; }

            public Int128 Big { get; set; }

            public UInt128 UBig { get; set; }

            public Int128? MaybeBig { get; set; }

            public Half Small { get; set; }

            public Version? Version { get; set; }

            public Uri? Link { get; set; }
        }

        public sealed class WithPair
        {
            public KeyValuePair<string, int> Pair { get; set; }
        }

        public sealed class ShapeBoard
        {
            public List<Line> Lines { get; set; } = new();

            public Dictionary<string, Address> Addresses { get; set; } = new();

            public Tier Best { get; set; }

            public Point Where { get; set; }

            public long[]? History { get; set; }
        }

        [Projection("shape_board")]
        public sealed partial class ShapeBoardProjection
        {
            public static ShapeBoard Create(Everything e) => new();

            public static void Apply(Renamed e, ShapeBoard board) { }

            public static void Apply(WithPrivateSetter e, ShapeBoard board) { }

            public static void Apply(ByConstructor e, ShapeBoard board) { }

            public static void Apply(Converted e, ShapeBoard board) { }

            public static void Apply(WithExtension e, ShapeBoard board) { }

            public static void Apply(Child e, ShapeBoard board) { }

            public static void Apply(InitOnly e, ShapeBoard board) { }

            public static void Apply(Stamp e, ShapeBoard board) { }

            public static void Apply(Derived e, ShapeBoard board) { }

            public static void Apply(BclValues e, ShapeBoard board) { }

            public static void Apply(WithPair e, ShapeBoard board) { }
        }
        """;
}
