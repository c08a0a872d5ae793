namespace ProjectionGen.Operations;

/// <summary>One dead-lettered event with its payload, as <see cref="ProjectionDeadLetters.ReadAsync"/> returns it.</summary>
/// <param name="Id">The dead letter's id.</param>
/// <param name="Projection">The projection that could not apply the event.</param>
/// <param name="Sequence">The event's global sequence number.</param>
/// <param name="StreamId">The event's stream.</param>
/// <param name="EventType">The event's stored type name.</param>
/// <param name="Epoch">The epoch of the batch that dead-lettered it.</param>
/// <param name="Node">The node that dead-lettered it.</param>
/// <param name="Reason">Why (handler failure or unreadable event).</param>
/// <param name="Exception">The exception, as recorded.</param>
/// <param name="Attempts">How many times it was tried.</param>
/// <param name="CreatedAt">When it was dead-lettered.</param>
/// <param name="Payload">The event's JSON body, cut at <see cref="ProjectionDeadLetters.MaxPayloadChars"/> characters; <see langword="null"/> when the event is gone.</param>
public sealed record DeadLetterEntry(
    long Id,
    string Projection,
    long Sequence,
    string StreamId,
    string EventType,
    long? Epoch,
    string? Node,
    string Reason,
    string? Exception,
    int Attempts,
    DateTimeOffset CreatedAt,
    string? Payload);
