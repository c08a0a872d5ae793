namespace ProjectionGen.Shapes.App;

/// <summary>
/// One row per applied event (no unique constraint: a double application leaves two rows). The old build handles
/// deposits; the new build (NEW_BUILD) adds a handler for withdrawals: another shape of the same projection
/// (docs/cluster.md, "Shapes across code versions").
/// </summary>
[Projection("shape_ledger", BatchSize = 20)]
public partial class ShapeLedgerProjection
{
    /// <summary>
    /// The table, created by every node at start; the new build's migration adds a column (expand only: the old build's
    /// inserts, which do not name it, keep working while both builds run) that its withdrawal handler fills in.
    /// </summary>
#if NEW_BUILD
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS shape_ledger (seq bigint NOT NULL, account text NOT NULL, amount int NOT NULL); "
        + "ALTER TABLE shape_ledger ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'deposit'";
#else
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS shape_ledger (seq bigint NOT NULL, account text NOT NULL, amount int NOT NULL)";
#endif

    /// <summary>Applies a deposit.</summary>
    public static void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO shape_ledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, e.Amount);
#if NEW_BUILD

    /// <summary>Applies a withdrawal (new build only).</summary>
    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO shape_ledger (seq, account, amount, kind) VALUES ($1, $2, $3, 'withdrawal')", metadata.Sequence, e.Account, -e.Amount);
#endif
}
