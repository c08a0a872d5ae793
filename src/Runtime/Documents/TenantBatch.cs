namespace ProjectionGen.Documents;

/// <summary>
/// One tenant's part of a conjoined store's batch of an aggregate projection (docs/tenancy.md): the tenant's events, in
/// sequence order, and the tenant's documents. The generated code runs once per tenant part; a part's
/// <see cref="CommitAsync"/> only records that the generated code finished, and the whole batch commits once after
/// every part ran, in one transaction under the batch's fence.
/// </summary>
internal sealed class TenantBatch(IProjectionBatch batch, ITenantDocuments documents, string tenant, IReadOnlyList<EventEnvelope> events) : IProjectionBatch
{
    public string ProjectionName => batch.ProjectionName;

    public long Epoch => batch.Epoch;

    public long FromPosition => batch.FromPosition;

    public long ToPosition => batch.ToPosition;

    public IReadOnlyList<EventEnvelope> Events => events;

    public IProjectionWriter Writer => batch.Writer;

    /// <summary>Whether the generated code called <see cref="CommitAsync"/> on this part.</summary>
    public bool Finished { get; private set; }

    public IDocumentSet<TDocument> Documents<TDocument>() where TDocument : class => documents.Documents<TDocument>(tenant, events);

    public ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        if (Finished)
        {
            throw new InvalidOperationException("The batch was already committed.");
        }

        Finished = true;
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Runs <paramref name="projection"/> over <paramref name="batch"/>: as it is when <paramref name="perTenant"/> is
    /// <see langword="null"/> (no tenancy, or a projection without documents) or the batch has no events; otherwise once
    /// per tenant of the batch's events (an event without a tenant counts as tenant <c>""</c>), each run seeing only its
    /// tenant's events and documents, and then the batch's one commit.
    /// </summary>
    public static async ValueTask RunAsync(IGeneratedProjection projection, IProjectionBatch batch, ITenantDocuments? perTenant, CancellationToken cancellationToken)
    {
        if (perTenant is null || batch.Events.Count == 0)
        {
            await projection.RunBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            return;
        }

        var byTenant = new Dictionary<string, List<EventEnvelope>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var envelope in batch.Events)
        {
            var tenant = envelope.TenantId ?? "";
            if (!byTenant.TryGetValue(tenant, out var events))
            {
                byTenant[tenant] = events = [];
                order.Add(tenant);
            }

            events.Add(envelope);
        }

        foreach (var tenant in order)
        {
            var part = new TenantBatch(batch, perTenant, tenant, byTenant[tenant]);
            await projection.RunBatchAsync(part, cancellationToken).ConfigureAwait(false);
            if (!part.Finished)
            {
                // The caller reports a batch that was not committed.
                return;
            }
        }

        await batch.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
