namespace ProjectionGen.Hosting.Tests.Projections;

/// <summary>One row per event, no unique constraint: a double application shows as two rows. Rebuildable through its reset.</summary>
[Projection("ledger", BatchSize = 20)]
public partial class LedgerProjection : IResettableProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS ledger (seq bigint NOT NULL, account text NOT NULL, amount int NOT NULL)";

    public static void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO ledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, e.Amount);

    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO ledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, -e.Amount);

    public void Reset(IProjectionWriter writer) => writer.Execute("DELETE FROM ledger");
}
