namespace ProjectionGen.EventStore;

/// <summary>Metadata stored with every event of one append.</summary>
public sealed record AppendMetadata
{
    /// <summary>The correlation id.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The causation id.</summary>
    public string? CausationId { get; init; }

    /// <summary>
    /// The tenant id stored with the events. On a store without tenancy it is stored and nothing more; on a conjoined
    /// store the tenant comes from <see cref="PostgresEventStore.ForTenant"/>, and this, when set, must name the same
    /// tenant (docs/tenancy.md).
    /// </summary>
    public string? TenantId { get; init; }

    /// <summary>The stream's type (for example the aggregate's name), recorded when the append creates the stream.</summary>
    public string? StreamType { get; init; }
}
