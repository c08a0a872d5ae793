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

    /// <summary>Deserializes a stored body; an unknown type name or a failing body gives the reason instead of throwing.</summary>
    public (object? Data, string? Error) Deserialize(string typeName, string json)
    {
        if (!types.TryGetType(typeName, out var type))
        {
            return (null, $"Unknown event type '{typeName}': no type is registered under that name.");
        }

        try
        {
            var data = JsonSerializer.Deserialize(json, TypeInfo(type));
            return data is null
                ? (null, $"The body of event type '{typeName}' deserialized to null as {type.FullName}.")
                : (data, null);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return (null, $"The body of event type '{typeName}' could not be deserialized as {type.FullName}: {e.Message}");
        }
    }

    private JsonTypeInfo TypeInfo(Type type) => options.GetTypeInfo(type);
}
