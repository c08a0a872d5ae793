namespace ProjectionGen.EventStore;

/// <summary>How a <see cref="PostgresEventStore"/> separates tenants (docs/tenancy.md).</summary>
public enum TenancyStyle
{
    /// <summary>No tenancy: a stream is identified by its id alone; a tenant id given in <see cref="AppendMetadata"/> is stored with the events and nothing more. The default.</summary>
    None = 0,

    /// <summary>
    /// Many tenants in one database and schema: a stream is identified by (tenant, stream id), aggregate documents by
    /// (tenant, id), and every append and stream read names its tenant through <see cref="PostgresEventStore.ForTenant"/>.
    /// </summary>
    Conjoined = 1,
}
