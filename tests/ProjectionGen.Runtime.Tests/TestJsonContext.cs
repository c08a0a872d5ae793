using System.Text.Json.Serialization;

namespace ProjectionGen.Tests;

/// <summary>A source-generated serializer context, as an application would pass to run without reflection.</summary>
[JsonSerializable(typeof(OrderPlaced))]
[JsonSerializable(typeof(ItemAdded))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
