namespace ProjectionGen.Tests.Projections;

/// <summary>An append-only ledger that records each event's tenant from <see cref="EventMetadata.TenantId"/> (docs/tenancy.md).</summary>
[Projection("tenant_ledger", BatchSize = 25)]
public partial class TenantLedgerProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS tenant_ledger (seq bigint NOT NULL, tenant text, account text NOT NULL, amount int NOT NULL)";

    public static void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO tenant_ledger (seq, tenant, account, amount) VALUES ($1, $2, $3, $4)", metadata.Sequence, metadata.TenantId, e.Account, e.Amount);

    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO tenant_ledger (seq, tenant, account, amount) VALUES ($1, $2, $3, $4)", metadata.Sequence, metadata.TenantId, e.Account, -e.Amount);
}
