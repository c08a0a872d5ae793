namespace ProjectionGen.Benchmarks.Workload;

/// <summary>The event-projection contender written with the typed row API: the same ledger rows as <see cref="LedgerProjection"/>, queued with <c>writer.Insert</c>.</summary>
[Projection("bench_ledger_rows")]
public partial class LedgerRowProjection
{
    /// <summary>A deposit is a positive row.</summary>
    public static void Handle(FundsDeposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Insert(new BenchLedgerRow(metadata.Sequence, e.Account, e.Amount));

    /// <summary>A withdrawal is a negative row.</summary>
    public static void Handle(FundsWithdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Insert(new BenchLedgerRow(metadata.Sequence, e.Account, -e.Amount));
}
