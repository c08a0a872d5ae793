using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ProjectionGen.Operations;

/// <summary>
/// One line of an import (docs/operations.md, "Importing events from JSON lines"): a JSON object with <c>stream</c>,
/// <c>type</c> and <c>body</c> (required) and <c>streamType</c>, <c>expectedVersion</c>, <c>correlationId</c>,
/// <c>causationId</c> and <c>tenant</c> (optional, null when absent). The body is kept as the line's raw JSON text.
/// </summary>
internal sealed record ImportedEvent(string Stream, string? StreamType, string Type, string Body, long? ExpectedVersion, string? CorrelationId, string? CausationId, string? Tenant)
{
    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Parses <paramref name="line"/>; throws <see cref="FormatException"/> saying what is wrong (without the line number).</summary>
    public static ImportedEvent Parse(string line, int maxEventBytes)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, Options);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"a line is a JSON object, not {Kind(root)}");
            }

            string? stream = null, streamType = null, type = null, body = null, correlation = null, causation = null, tenant = null;
            long? expected = null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw new FormatException($"'{property.Name}' appears twice");
                }

                var value = property.Value;
                switch (property.Name)
                {
                    case "stream":
                        stream = Text(value, property.Name, required: true);
                        break;
                    case "streamType":
                        streamType = Text(value, property.Name, required: false);
                        break;
                    case "type":
                        type = Text(value, property.Name, required: true);
                        break;
                    case "body":
                        if (value.ValueKind != JsonValueKind.Object)
                        {
                            throw new FormatException($"'body' is a JSON object (the event), not {Kind(value)}");
                        }

                        body = value.GetRawText();
                        var bytes = Encoding.UTF8.GetByteCount(body);
                        if (bytes > maxEventBytes)
                        {
                            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"'body' is {bytes} bytes of JSON, more than the {maxEventBytes} allowed (EventImportOptions.MaxEventBytes)"));
                        }

                        break;
                    case "expectedVersion":
                        if (value.ValueKind == JsonValueKind.Null)
                        {
                            break;
                        }

                        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var version) || version < 0)
                        {
                            throw new FormatException($"'expectedVersion' is null or a whole number at least 0 (0: a new stream), not {value.GetRawText()}");
                        }

                        expected = version;
                        break;
                    case "correlationId":
                        correlation = Text(value, property.Name, required: false);
                        break;
                    case "causationId":
                        causation = Text(value, property.Name, required: false);
                        break;
                    case "tenant":
                        tenant = Text(value, property.Name, required: false);
                        break;
                    default:
                        throw new FormatException($"unknown field '{property.Name}' (known: stream, streamType, type, body, expectedVersion, correlationId, causationId, tenant)");
                }
            }

            return new ImportedEvent(
                stream ?? throw new FormatException("'stream' is missing"),
                streamType,
                type ?? throw new FormatException("'type' is missing"),
                body ?? throw new FormatException("'body' is missing"),
                expected,
                correlation,
                causation,
                tenant);
        }
    }

    /// <summary>Whether this event goes in the same <c>append_events</c> call as <paramref name="previous"/>, the one before it.</summary>
    public bool Continues(ImportedEvent previous) =>
        ExpectedVersion is null && Stream == previous.Stream && StreamType == previous.StreamType && CorrelationId == previous.CorrelationId
        && CausationId == previous.CausationId && Tenant == previous.Tenant;

    private static string? Text(JsonElement value, string name, bool required)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            return required && text.Length == 0 ? throw new FormatException($"'{name}' is empty") : text;
        }

        if (value.ValueKind == JsonValueKind.Null && !required)
        {
            return null;
        }

        throw new FormatException($"'{name}' is a string{(required ? "" : " or null")}, not {Kind(value)}");
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
