namespace ProjectionGen.Daemon;

/// <summary>An event a projection gave up on, written to the dead-letter table in the batch that skips it.</summary>
/// <param name="Sequence">The event's global sequence.</param>
/// <param name="StreamId">The event's stream.</param>
/// <param name="EventType">The stored event type name.</param>
/// <param name="Reason">A one-line reason.</param>
/// <param name="Exception">The full exception text, if an exception was the cause.</param>
/// <param name="Attempts">How many batches tried the event.</param>
internal sealed record DeadLetter(long Sequence, string StreamId, string EventType, string Reason, string? Exception, int Attempts);
