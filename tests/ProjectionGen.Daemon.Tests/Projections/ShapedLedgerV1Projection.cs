namespace ProjectionGen.Tests.Projections;

/// <summary>
/// The old build's <c>shaped_ledger</c>: it handles deposits only. <see cref="ShapedLedgerV2Projection"/> is the same
/// projection (name and version) in the new build, which adds a handler for withdrawals: another shape (docs/cluster.md,
/// "Shapes across code versions").
/// </summary>
[Projection("shaped_ledger", BatchSize = 25)]
public partial class ShapedLedgerV1Projection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS shaped_ledger (seq bigint NOT NULL, account text NOT NULL, amount int NOT NULL)";

    public static void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO shaped_ledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, e.Amount);
}
