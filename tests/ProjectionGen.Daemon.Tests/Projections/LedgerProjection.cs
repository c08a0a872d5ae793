namespace ProjectionGen.Tests.Projections;

/// <summary>An append-only ledger with no unique constraint: a double application leaves two rows for one sequence.</summary>
[Projection("ledger", BatchSize = 25)]
public partial class LedgerProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS ledger (seq bigint NOT NULL, account text NOT NULL, amount int NOT NULL)";

    public static void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO ledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, e.Amount);

    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO ledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, -e.Amount);
}
