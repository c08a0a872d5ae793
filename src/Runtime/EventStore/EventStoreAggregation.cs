namespace ProjectionGen.EventStore;

/// <summary>Live aggregation: one stream folded on demand, for command handlers, without any daemon.</summary>
public static class EventStoreAggregation
{
    /// <summary>
    /// Reads the stream (up to <paramref name="upToVersion"/>, upcast like every read) and folds it with
    /// <typeparamref name="TProjection"/>'s generated code: the document the daemon would hold for this stream after
    /// those events, or <see langword="null"/> when the stream does not exist or has no document.
    /// </summary>
    /// <typeparam name="TProjection">A single-stream aggregate projection (the generator implements <see cref="ILiveAggregation{TDocument}"/> on it).</typeparam>
    /// <typeparam name="TDocument">Its document type.</typeparam>
    /// <param name="store">The store to read from.</param>
    /// <param name="streamId">The stream.</param>
    /// <param name="upToVersion">Fold only the events up to this stream version; <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="InvalidOperationException">An event of the stream cannot be read (unknown type name, bad body or failing upcaster).</exception>
    /// <exception cref="ProjectionHandlerException">A projection method threw.</exception>
    public static async Task<TDocument?> AggregateStreamAsync<TProjection, TDocument>(
        this PostgresEventStore store,
        string streamId,
        long? upToVersion = null,
        CancellationToken cancellationToken = default)
        where TProjection : ILiveAggregation<TDocument>
        where TDocument : class
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        CheckVersion(upToVersion);
        var events = await store.ReadStreamAsync(streamId, upToVersion ?? long.MaxValue, cancellationToken).ConfigureAwait(false);
        return Fold<TProjection, TDocument>(streamId, events);
    }

    /// <summary>
    /// Reads the tenant's stream (up to <paramref name="upToVersion"/>, upcast like every read) and folds it with
    /// <typeparamref name="TProjection"/>'s generated code: the document the daemon would hold for this tenant's stream
    /// after those events, or <see langword="null"/> when the stream does not exist or has no document (docs/tenancy.md).
    /// </summary>
    /// <typeparam name="TProjection">A single-stream aggregate projection (the generator implements <see cref="ILiveAggregation{TDocument}"/> on it).</typeparam>
    /// <typeparam name="TDocument">Its document type.</typeparam>
    /// <param name="store">The tenant's view of a conjoined store (<see cref="PostgresEventStore.ForTenant"/>).</param>
    /// <param name="streamId">The stream, within the tenant.</param>
    /// <param name="upToVersion">Fold only the events up to this stream version; <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="InvalidOperationException">An event of the stream cannot be read (unknown type name, bad body or failing upcaster).</exception>
    /// <exception cref="ProjectionHandlerException">A projection method threw.</exception>
    public static async Task<TDocument?> AggregateStreamAsync<TProjection, TDocument>(
        this TenantEventStore store,
        string streamId,
        long? upToVersion = null,
        CancellationToken cancellationToken = default)
        where TProjection : ILiveAggregation<TDocument>
        where TDocument : class
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        CheckVersion(upToVersion);
        var events = await store.ReadStreamAsync(streamId, upToVersion ?? long.MaxValue, cancellationToken).ConfigureAwait(false);
        return Fold<TProjection, TDocument>(streamId, events);
    }

    /// <summary>Folds the tenant's stream identified by a <see cref="Guid"/> (stored as its lower-case "D" form).</summary>
    /// <inheritdoc cref="AggregateStreamAsync{TProjection, TDocument}(TenantEventStore, string, long?, CancellationToken)"/>
    public static Task<TDocument?> AggregateStreamAsync<TProjection, TDocument>(
        this TenantEventStore store,
        Guid streamId,
        long? upToVersion = null,
        CancellationToken cancellationToken = default)
        where TProjection : ILiveAggregation<TDocument>
        where TDocument : class =>
        store.AggregateStreamAsync<TProjection, TDocument>(streamId.ToString("D"), upToVersion, cancellationToken);

    private static void CheckVersion(long? upToVersion)
    {
        if (upToVersion is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(upToVersion), upToVersion, "A stream version is 0 or more.");
        }
    }

    private static TDocument? Fold<TProjection, TDocument>(string streamId, IReadOnlyList<EventEnvelope> events)
        where TProjection : ILiveAggregation<TDocument>
        where TDocument : class
    {
        foreach (var envelope in events)
        {
            if (envelope.Data is null)
            {
                throw new InvalidOperationException(
                    $"Event {envelope.Sequence} (version {envelope.StreamVersion}, type '{envelope.EventType}') of stream '{streamId}' cannot be read, so the stream cannot be aggregated: {envelope.DeserializationError}");
            }
        }

        return TProjection.Fold(null, events);
    }

    /// <summary>Folds a stream identified by a <see cref="Guid"/> (stored as its lower-case "D" form).</summary>
    /// <inheritdoc cref="AggregateStreamAsync{TProjection, TDocument}(PostgresEventStore, string, long?, CancellationToken)"/>
    public static Task<TDocument?> AggregateStreamAsync<TProjection, TDocument>(
        this PostgresEventStore store,
        Guid streamId,
        long? upToVersion = null,
        CancellationToken cancellationToken = default)
        where TProjection : ILiveAggregation<TDocument>
        where TDocument : class =>
        store.AggregateStreamAsync<TProjection, TDocument>(streamId.ToString("D"), upToVersion, cancellationToken);
}
