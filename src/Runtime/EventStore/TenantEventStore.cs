namespace ProjectionGen.EventStore;

/// <summary>
/// One tenant's view of a conjoined <see cref="PostgresEventStore"/> (from <see cref="PostgresEventStore.ForTenant"/>):
/// its appends, stream reads and live aggregation address the streams of <see cref="TenantId"/> only, so two tenants
/// may each have a stream of the same id (docs/tenancy.md). Cheap to create; thread-safe like the store.
/// </summary>
public sealed class TenantEventStore
{
    internal TenantEventStore(PostgresEventStore store, string tenantId)
    {
        Store = store;
        TenantId = tenantId;
    }

    /// <summary>The store.</summary>
    public PostgresEventStore Store { get; }

    /// <summary>The tenant, validated.</summary>
    public string TenantId { get; }

    /// <summary>
    /// Appends events to the tenant's stream in one transaction and one round trip, creating the stream if needed, with
    /// the same guarantees as <see cref="PostgresEventStore.AppendAsync(string, IReadOnlyList{object}, ExpectedVersion, AppendMetadata?, CancellationToken)"/>;
    /// every event is stored with <see cref="TenantId"/>.
    /// </summary>
    /// <param name="streamId">The stream, within the tenant; not empty.</param>
    /// <param name="events">One or more events of registered types.</param>
    /// <param name="expected">The version the tenant's stream must be at.</param>
    /// <param name="metadata">Metadata stored with every event; its <see cref="AppendMetadata.TenantId"/>, when set, must be <see cref="TenantId"/>.</param>
    /// <param name="cancellationToken">Cancels the append (nothing is written unless it committed).</param>
    /// <exception cref="ArgumentException">As the store's append; or the metadata names another tenant.</exception>
    /// <exception cref="ConcurrencyException">The tenant's stream is not at <paramref name="expected"/>.</exception>
    public Task<AppendResult> AppendAsync(string streamId, IReadOnlyList<object> events, ExpectedVersion expected, AppendMetadata? metadata = null, CancellationToken cancellationToken = default)
    {
        CheckMetadata(metadata);
        return Store.AppendAsync(TenantId, streamId, events, expected, metadata, cancellationToken);
    }

    /// <summary>Appends events to the tenant's stream identified by a <see cref="Guid"/> (stored as its lower-case "D" form).</summary>
    /// <inheritdoc cref="AppendAsync(string, IReadOnlyList{object}, ExpectedVersion, AppendMetadata?, CancellationToken)"/>
    public Task<AppendResult> AppendAsync(Guid streamId, IReadOnlyList<object> events, ExpectedVersion expected, AppendMetadata? metadata = null, CancellationToken cancellationToken = default) =>
        AppendAsync(streamId.ToString("D"), events, expected, metadata, cancellationToken);

    /// <summary>Reads every event of the tenant's stream in version order, upcast to the current types; empty when the stream does not exist.</summary>
    /// <param name="streamId">The stream, within the tenant; not empty.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public Task<IReadOnlyList<EventEnvelope>> ReadStreamAsync(string streamId, CancellationToken cancellationToken = default) =>
        Store.ReadStreamAsync(TenantId, streamId, long.MaxValue, cancellationToken);

    /// <summary>Reads every event of the tenant's stream identified by a <see cref="Guid"/>.</summary>
    /// <inheritdoc cref="ReadStreamAsync(string, CancellationToken)"/>
    public Task<IReadOnlyList<EventEnvelope>> ReadStreamAsync(Guid streamId, CancellationToken cancellationToken = default) =>
        ReadStreamAsync(streamId.ToString("D"), cancellationToken);

    /// <summary>Reads the events of the tenant's stream up to and including <paramref name="upToVersion"/>, in version order.</summary>
    internal Task<IReadOnlyList<EventEnvelope>> ReadStreamAsync(string streamId, long upToVersion, CancellationToken cancellationToken) =>
        Store.ReadStreamAsync(TenantId, streamId, upToVersion, cancellationToken);

    private void CheckMetadata(AppendMetadata? metadata)
    {
        if (metadata?.TenantId is { } named && !string.Equals(named, TenantId, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The append's metadata names tenant '{named}', but it appends to a stream of tenant '{TenantId}': leave AppendMetadata.TenantId unset (docs/tenancy.md).",
                nameof(metadata));
        }
    }
}
