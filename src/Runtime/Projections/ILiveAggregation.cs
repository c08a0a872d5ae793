namespace ProjectionGen;

/// <summary>
/// Folds one stream's events into an aggregate projection's document on demand, with the same generated
/// <c>Create</c>/<c>Apply</c>/<c>ShouldDelete</c> dispatch the daemon uses. The source generator implements it on every
/// single-stream aggregate projection; call it through
/// <see cref="EventStore.EventStoreAggregation.AggregateStreamAsync{TProjection, TDocument}(EventStore.PostgresEventStore, string, long?, CancellationToken)"/>.
/// </summary>
/// <typeparam name="TDocument">The projection's document type.</typeparam>
public interface ILiveAggregation<TDocument> where TDocument : class
{
    /// <summary>
    /// Applies <paramref name="events"/> (one stream's, in version order, every one with deserialized data) to
    /// <paramref name="document"/> (the starting state, <see langword="null"/> for none) and returns the result,
    /// <see langword="null"/> when the stream has no document. A method that throws surfaces as <see cref="ProjectionHandlerException"/>.
    /// </summary>
    static abstract TDocument? Fold(TDocument? document, IReadOnlyList<EventEnvelope> events);
}
