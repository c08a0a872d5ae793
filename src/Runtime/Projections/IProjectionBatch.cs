namespace ProjectionGen;

/// <summary>One batch of events for one projection, under one fencing epoch; provided by the runtime to generated code.</summary>
public interface IProjectionBatch
{
    /// <summary>The projection name.</summary>
    string ProjectionName { get; }

    /// <summary>The fencing epoch the batch commits under.</summary>
    long Epoch { get; }

    /// <summary>The progress position the batch starts after (exclusive).</summary>
    long FromPosition { get; }

    /// <summary>The progress position the batch commits (inclusive).</summary>
    long ToPosition { get; }

    /// <summary>The events to apply, in sequence order; every one has deserialized <see cref="EventEnvelope.Data"/>.</summary>
    IReadOnlyList<EventEnvelope> Events { get; }

    /// <summary>Queues SQL commands into the batch's transaction (event projections).</summary>
    IProjectionWriter Writer { get; }

    /// <summary>
    /// The batch's documents of an aggregate projection, keyed by stream id (or routed id). On a conjoined store the
    /// runtime hands the generated code one batch per tenant of the events, whose documents are that tenant's (docs/tenancy.md).
    /// </summary>
    IDocumentSet<TDocument> Documents<TDocument>() where TDocument : class;

    /// <summary>
    /// Commits the batch: the queued writes and documents, the lock guard and the fenced progress update, in one
    /// transaction and one round trip.
    /// </summary>
    /// <exception cref="ProjectionProgressException">The node no longer owns the projection (lock lost or epoch superseded); nothing was committed.</exception>
    ValueTask CommitAsync(CancellationToken cancellationToken);
}
