namespace ProjectionGen;

/// <summary>An event's metadata, as handed to projection handlers that ask for it.</summary>
/// <param name="Sequence">The global sequence number.</param>
/// <param name="StreamId">The stream id.</param>
/// <param name="StreamVersion">The version within the stream.</param>
/// <param name="EventType">The stored event type name.</param>
/// <param name="Timestamp">When the event was appended.</param>
/// <param name="CorrelationId">The correlation id, if any.</param>
/// <param name="CausationId">The causation id, if any.</param>
/// <param name="TenantId">The tenant id, if any: on a conjoined store the stream's tenant (docs/tenancy.md).</param>
public readonly record struct EventMetadata(
    long Sequence,
    string StreamId,
    long StreamVersion,
    string EventType,
    DateTimeOffset Timestamp,
    string? CorrelationId,
    string? CausationId,
    string? TenantId);
