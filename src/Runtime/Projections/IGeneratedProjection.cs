namespace ProjectionGen;

/// <summary>
/// The seam between generated code and the runtime: the source generator implements this interface on every
/// <see cref="ProjectionAttribute"/> class. The daemon's <c>SubscriptionAgent</c> owns the lock, reads the events and
/// opens the batch; the generated <see cref="RunBatchAsync"/> dispatches each event to its handler with a type switch
/// (no reflection) and ends with <see cref="IProjectionBatch.CommitAsync"/>, which verifies lock ownership and fences
/// the commit by epoch in the same round trip as the projection's writes.
/// </summary>
public interface IGeneratedProjection
{
    /// <summary>The projection's static description.</summary>
    ProjectionDescriptor Descriptor { get; }

    /// <summary>
    /// Applies every event of <paramref name="batch"/> and commits it. A handler that throws surfaces as
    /// <see cref="ProjectionHandlerException"/> (the runtime retries or dead-letters); a lost lock or a superseded epoch
    /// surfaces as <see cref="ProjectionProgressException"/> from the commit.
    /// </summary>
    ValueTask RunBatchAsync(IProjectionBatch batch, CancellationToken cancellationToken);
}
