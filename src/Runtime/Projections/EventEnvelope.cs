namespace ProjectionGen;

/// <summary>An event read from the store, with its metadata.</summary>
public sealed class EventEnvelope
{
    /// <summary>Creates an envelope.</summary>
    public EventEnvelope(
        long sequence,
        string streamId,
        long streamVersion,
        string eventType,
        object? data,
        DateTimeOffset timestamp,
        string? correlationId = null,
        string? causationId = null,
        string? tenantId = null,
        string? deserializationError = null)
    {
        Sequence = sequence;
        StreamId = streamId;
        StreamVersion = streamVersion;
        EventType = eventType;
        Data = data;
        Timestamp = timestamp;
        CorrelationId = correlationId;
        CausationId = causationId;
        TenantId = tenantId;
        DeserializationError = deserializationError;
    }

    /// <summary>The global sequence number: the event's position in the log.</summary>
    public long Sequence { get; }

    /// <summary>The stream the event belongs to.</summary>
    public string StreamId { get; }

    /// <summary>The event's version within its stream (1 for the first event).</summary>
    public long StreamVersion { get; }

    /// <summary>The stored event type name; for an upcast event, the old shape's name (while <see cref="Data"/> is the current type).</summary>
    public string EventType { get; }

    /// <summary>
    /// The deserialized event, upcast to the newest type by the registry's upcasters, or <see langword="null"/> when it
    /// could not be deserialized or upcast (see <see cref="DeserializationError"/>).
    /// </summary>
    public object? Data { get; }

    /// <summary>When the event was appended.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The correlation id given at append, if any.</summary>
    public string? CorrelationId { get; }

    /// <summary>The causation id given at append, if any.</summary>
    public string? CausationId { get; }

    /// <summary>The tenant id given at append, if any: on a conjoined store the stream's tenant (docs/tenancy.md).</summary>
    public string? TenantId { get; }

    /// <summary>Why <see cref="Data"/> is missing: an unknown type name or a body that failed to deserialize.</summary>
    public string? DeserializationError { get; }

    /// <summary>The metadata handed to handlers.</summary>
    public EventMetadata Metadata => new(Sequence, StreamId, StreamVersion, EventType, Timestamp, CorrelationId, CausationId, TenantId);
}
