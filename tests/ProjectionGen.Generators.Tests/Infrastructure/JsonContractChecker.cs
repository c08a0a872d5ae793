using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace ProjectionGen.Generators.Tests.Infrastructure;

/// <summary>
/// Checks generated System.Text.Json contracts against the reflection-based ones of the runtime's default options (web
/// defaults): the same contract shape, and for sample JSON built from the reflection contract, byte-identical output both
/// ways (written by either, read by either) and the same outcome for a PascalCase variant, an empty object and null.
/// </summary>
internal static class JsonContractChecker
{
    /// <summary>Every difference between <paramref name="generated"/>'s contract of <paramref name="type"/> and reflection's.</summary>
    public static IReadOnlyList<string> Check(Type type, IJsonTypeInfoResolver generated)
    {
        var reflection = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        var withGenerated = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = JsonTypeInfoResolver.Combine(generated, new DefaultJsonTypeInfoResolver()) };
        var problems = new List<string>();
        var name = type.FullName;
        var expected = reflection.GetTypeInfo(type);
        var actual = generated.GetTypeInfo(type, withGenerated);
        if (actual is null)
        {
            return [$"{name}: the generated resolver has no contract"];
        }

        CompareShape(name!, expected, withGenerated.GetTypeInfo(type), problems);
        var sample = Sample(expected, reflection, depth: 0, new Counter());
        var inputs = new List<string> { sample?.ToJsonString() ?? "null", "null" };
        if (expected.Kind == JsonTypeInfoKind.Object)
        {
            inputs.Add("{}");
            inputs.Add(Pascal(sample)?.ToJsonString() ?? "null");
        }

        foreach (var json in inputs)
        {
            var byReflection = RoundTrip(json, type, reflection, reflection);
            var byGenerated = RoundTrip(json, type, withGenerated, withGenerated);
            var readByGenerated = RoundTrip(json, type, withGenerated, reflection);
            var writtenByGenerated = RoundTrip(json, type, reflection, withGenerated);
            foreach (var (label, result) in new[] { ("generated both ways", byGenerated), ("read by generated", readByGenerated), ("written by generated", writtenByGenerated) })
            {
                if (!string.Equals(byReflection, result, StringComparison.Ordinal))
                {
                    problems.Add($"{name}: input {json}: reflection gives {byReflection}, {label} gives {result}");
                }
            }
        }

        return problems;
    }

    private static void CompareShape(string name, JsonTypeInfo expected, JsonTypeInfo actual, List<string> problems)
    {
        void Same(string what, object? e, object? a)
        {
            if (!Equals(e, a))
            {
                problems.Add($"{name}: {what} is {a ?? "null"} in the generated contract, {e ?? "null"} with reflection");
            }
        }

        Same("kind", expected.Kind, actual.Kind);
        Same("converter", ConverterKind(expected), ConverterKind(actual));
        Same("element type", expected.ElementType, actual.ElementType);
        Same("key type", expected.KeyType, actual.KeyType);
        Same("property count", expected.Properties.Count, actual.Properties.Count);
        for (var i = 0; i < Math.Min(expected.Properties.Count, actual.Properties.Count); i++)
        {
            var e = expected.Properties[i];
            var a = actual.Properties[i];
            var at = $"property {i}";
            Same(at + " name", e.Name, a.Name);
            Same(at + " type", e.PropertyType, a.PropertyType);
            Same(at + " getter", e.Get is not null, a.Get is not null);
            Same(at + " setter", e.Set is not null, a.Set is not null);
            Same(at + " required", e.IsRequired, a.IsRequired);
            Same(at + " extension data", e.IsExtensionData, a.IsExtensionData);
            Same(at + " order", e.Order, a.Order);
            Same(at + " number handling", e.NumberHandling, a.NumberHandling);
            Same(at + " custom converter", e.CustomConverter?.GetType(), a.CustomConverter?.GetType());
        }
    }

    // The object converter with a parameterized constructor comes in a small (up to four arguments, reflection) and a
    // large (metadata-based, as System.Text.Json's own generator uses; "WithReflection" when built by reflection) variant
    // that read and write alike.
    private static string ConverterKind(JsonTypeInfo info) =>
        info.Converter.GetType().Name.Split('`')[0].Replace("Small", "", StringComparison.Ordinal).Replace("Large", "", StringComparison.Ordinal).Replace("WithReflection", "", StringComparison.Ordinal);

    private static string RoundTrip(string json, Type type, JsonSerializerOptions reader, JsonSerializerOptions writer)
    {
        try
        {
            var value = JsonSerializer.Deserialize(json, reader.GetTypeInfo(type));
            return JsonSerializer.Serialize(value, writer.GetTypeInfo(type));
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return "throws " + e.GetType().Name;
        }
    }

    /// <summary>Sample JSON for a contract: every property set, two elements per collection, values that differ.</summary>
    private static JsonNode? Sample(JsonTypeInfo info, JsonSerializerOptions options, int depth, Counter counter)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when depth < 4:
                var obj = new JsonObject();
                foreach (var property in info.Properties)
                {
                    obj[property.Name] = Sample(options.GetTypeInfo(property.PropertyType), options, depth + 1, counter);
                }

                return obj;
            case JsonTypeInfoKind.Enumerable when depth < 4:
                var element = options.GetTypeInfo(info.ElementType!);
                return new JsonArray(Sample(element, options, depth + 1, counter), Sample(element, options, depth + 1, counter));
            case JsonTypeInfoKind.Dictionary when depth < 4:
                var value = options.GetTypeInfo(info.ElementType!);
                return new JsonObject { ["k" + counter.Next()] = Sample(value, options, depth + 1, counter), ["K" + counter.Next()] = Sample(value, options, depth + 1, counter) };
            case JsonTypeInfoKind.None:
                var next = counter.Next();
                return (JsonNode?)Value(type, next) ?? Dom(type, next);
            default:
                return null;
        }
    }

    private static JsonValue? Value(Type type, int n)
    {
        if (type.IsEnum)
        {
            var values = Enum.GetValuesAsUnderlyingType(type);
            return JsonValue.Create(Convert.ToInt64(values.GetValue(values.Length - 1), CultureInfo.InvariantCulture));
        }

        if (type == typeof(byte[]) || type == typeof(Memory<byte>) || type == typeof(ReadOnlyMemory<byte>))
        {
            return JsonValue.Create(Convert.ToBase64String([1, 2, (byte)n]));
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.String => JsonValue.Create("s" + n),
            TypeCode.Char => JsonValue.Create("c"),
            TypeCode.Boolean => JsonValue.Create(true),
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 => JsonValue.Create(n + 6),
            TypeCode.Decimal => JsonValue.Create(n + 0.25m),
            TypeCode.Double or TypeCode.Single => JsonValue.Create(n + 0.5),
            TypeCode.DateTime => JsonValue.Create($"2026-01-{n % 28 + 1:00}T03:04:05Z"),
            _ when type == typeof(Guid) => JsonValue.Create(new Guid(n, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)),
            _ when type == typeof(DateTimeOffset) => JsonValue.Create($"2026-02-{n % 28 + 1:00}T03:04:05+02:00"),
            _ when type == typeof(DateOnly) => JsonValue.Create($"2026-03-{n % 28 + 1:00}"),
            _ when type == typeof(TimeOnly) => JsonValue.Create($"03:04:{n % 60:00}"),
            _ when type == typeof(TimeSpan) => JsonValue.Create($"01:02:{n % 60:00}"),
            _ when type == typeof(Int128) || type == typeof(UInt128) => JsonValue.Create(n + 6),
            _ when type == typeof(Half) => JsonValue.Create(n + 0.5),
            _ when type == typeof(Version) => JsonValue.Create($"1.2.{n}"),
            _ when type == typeof(Uri) => JsonValue.Create($"https://example.com/{n}"),
            _ when type == typeof(JsonValue) => JsonValue.Create(n),
            _ => null,
        };
    }

    /// <summary>Sample JSON for the JSON DOM types (<c>JsonElement</c>, <c>JsonDocument</c>, <c>JsonNode</c>, ...), which reflection maps to converters.</summary>
    private static JsonNode? Dom(Type type, int n) => type switch
    {
        _ when type == typeof(JsonArray) => new JsonArray(n, "a"),
        _ when type == typeof(JsonElement) || type == typeof(JsonDocument) || type == typeof(JsonNode) || type == typeof(JsonObject) =>
            new JsonObject { ["a"] = n, ["b"] = new JsonArray(true, null, "x") },
        _ => null,
    };

    /// <summary>The same JSON with PascalCase property names (web defaults read names case-insensitively).</summary>
    private static JsonNode? Pascal(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key.Length > 0 ? char.ToUpperInvariant(p.Key[0]) + p.Key[1..] : p.Key, Pascal(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Pascal)]),
        null => null,
        _ => node.DeepClone(),
    };

    private sealed class Counter
    {
        private int value;

        public int Next() => ++value;
    }
}
