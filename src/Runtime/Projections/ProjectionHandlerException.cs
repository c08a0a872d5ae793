namespace ProjectionGen;

/// <summary>
/// A projection's handler threw on an event. Thrown by generated code around the user's exception; the runtime rolls
/// the batch back and retries it, then applies the projection's <see cref="PoisonEventPolicy"/> to the event.
/// </summary>
public sealed class ProjectionHandlerException : Exception
{
    /// <summary>Wraps a handler's exception.</summary>
    public ProjectionHandlerException(string projectionName, EventEnvelope envelope, Exception innerException)
        : base(Describe(projectionName, envelope, innerException), innerException)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ProjectionName = projectionName;
        Envelope = envelope;
    }

    /// <summary>The projection whose handler failed.</summary>
    public string ProjectionName { get; }

    /// <summary>The event it failed on.</summary>
    public EventEnvelope Envelope { get; }

    /// <summary>
    /// Whether generated code should wrap <paramref name="exception"/>: cancellation and the runtime's own
    /// ownership failures pass through unchanged.
    /// </summary>
    public static bool ShouldWrap(Exception exception) =>
        exception is not (OperationCanceledException or ProjectionProgressException or ProjectionHandlerException);

    private static string Describe(string projectionName, EventEnvelope envelope, Exception inner) =>
        $"Projection '{projectionName}' failed on event {envelope?.Sequence} ({envelope?.EventType}, stream '{envelope?.StreamId}'): {inner?.Message}";
}
