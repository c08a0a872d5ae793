namespace ProjectionGen.Benchmarks.Workload;

/// <summary>ProjectionGen's event-projection contender: one ledger row inserted per event.</summary>
[Projection("bench_ledger")]
public partial class LedgerProjection
{
    /// <summary>The ledger table, created before the daemon starts.</summary>
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS bench_ledger (seq bigint NOT NULL, account text NOT NULL, amount int NOT NULL)";

    /// <summary>A deposit is a positive row.</summary>
    public static void Handle(FundsDeposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO bench_ledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, e.Amount);

    /// <summary>A withdrawal is a negative row.</summary>
    public static void Handle(FundsWithdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO bench_ledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, -e.Amount);
}
