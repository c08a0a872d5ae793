using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ProjectionGen.EventStore;

/// <summary>Turns events into stored type names and JSON bodies and back, through the registry and the JSON options.</summary>
internal sealed class EventSerializer
{
    private readonly EventTypeRegistry types;
    private readonly JsonSerializerOptions options;
    private readonly int maxEventBytes;

    public EventSerializer(EventTypeRegistry types, JsonSerializerOptions options, int maxEventBytes)
    {
        this.types = types;
        this.options = options;
        this.maxEventBytes = maxEventBytes;
    }

    /// <summary>Serializes one event of an append; refuses it with an <see cref="ArgumentException"/> naming its position.</summary>
    public (string TypeName, string Json) Serialize(object? @event, int index, string parameterName)
    {
        if (@event is null)
        {
            throw new ArgumentException($"Event {index} of the append is null; nothing was appended.", parameterName);
        }

        var type = @event.GetType();
        string name;
        try
        {
            name = types.GetName(type);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Event {index} of the append: {e.Message} Nothing was appended.", parameterName, e);
        }

        string json;
        try
        {
            json = JsonSerializer.Serialize(@event, TypeInfo(type));
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new ArgumentException($"Event {index} of the append ({type.FullName}) could not be serialized to JSON: {e.Message} Nothing was appended.", parameterName, e);
        }

        var bytes = Encoding.UTF8.GetByteCount(json);
        if (bytes > maxEventBytes)
        {
            throw new ArgumentException(
                $"Event {index} of the append ({type.FullName}) is {bytes} bytes of JSON, more than EventStoreOptions.MaxEventBytes ({maxEventBytes}); nothing was appended.",
                parameterName);
        }

        return (name, json);
    }

    /// <summary>
    /// Deserializes a stored body and upcasts it to the newest type (docs/generator.md, upcasting); an unknown type
    /// name, a failing body or a failing upcaster gives the reason instead of throwing.
    /// </summary>
    public (object? Data, string? Error) Deserialize(string typeName, string json)
    {
        object? data;
        if (types.TryGetJsonUpcaster(typeName, out var fromJson))
        {
            try
            {
                using var document = JsonDocument.Parse(json);
                data = fromJson.Upcast(document.RootElement);
            }
            catch (Exception e) when (IsUpcastFailure(e))
            {
                return (null, $"The body of event type '{typeName}' could not be upcast by {fromJson.Method}: {e.Message}");
            }
        }
        else if (!types.TryGetType(typeName, out var type))
        {
            return (null, $"Unknown event type '{typeName}': no type is registered under that name.");
        }
        else
        {
            try
            {
                data = JsonSerializer.Deserialize(json, TypeInfo(type));
                if (data is null)
                {
                    return (null, $"The body of event type '{typeName}' deserialized to null as {type.FullName}.");
                }
            }
            catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
            {
                return (null, $"The body of event type '{typeName}' could not be deserialized as {type.FullName}: {e.Message}");
            }
        }

        // Registration refuses cycles, so the chain ends.
        while (types.TryGetUpcaster(data.GetType(), out var upcaster))
        {
            try
            {
                data = upcaster.Upcast(data);
            }
            catch (Exception e) when (IsUpcastFailure(e))
            {
                return (null, $"Event type '{typeName}' could not be upcast by {upcaster.Method}: {e.Message}");
            }
        }

        return (data, null);
    }

    // An upcaster is user code: anything it throws makes the event unreadable (dead-lettered or pausing, per policy),
    // except the failures a process does not recover from.
    private static bool IsUpcastFailure(Exception e) => e is not (OutOfMemoryException or StackOverflowException or OperationCanceledException);

    private JsonTypeInfo TypeInfo(Type type) => options.GetTypeInfo(type);
}
