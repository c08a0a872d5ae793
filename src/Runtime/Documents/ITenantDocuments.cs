namespace ProjectionGen.Documents;

/// <summary>A batch that keeps a conjoined store's documents per tenant (docs/tenancy.md): one document set per tenant, all written in its one commit.</summary>
internal interface ITenantDocuments
{
    /// <summary>The batch's documents of <paramref name="tenant"/>, created on first use for that tenant's <paramref name="events"/>.</summary>
    IDocumentSet<TDocument> Documents<TDocument>(string tenant, IReadOnlyList<EventEnvelope> events) where TDocument : class;
}
