namespace ProjectionGen.Tests.Projections;

/// <summary>
/// The ledger with deposits written as typed rows and withdrawals as free SQL, so a batch interleaves row runs and
/// Execute commands; no unique constraint, so a double application leaves two rows for one sequence.
/// </summary>
[Projection("row_ledger", BatchSize = 25)]
public partial class RowLedgerProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS row_ledger (seq bigint NOT NULL, account text NOT NULL, amount int NOT NULL)";

    public static void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Insert(new LedgerRow(metadata.Sequence, e.Account, e.Amount));

    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO row_ledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, -e.Amount);
}
