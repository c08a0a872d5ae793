namespace ProjectionGen.Tests.Projections;

/// <summary>Makes the daemon tests' ledger rebuildable: its reset empties the table, in the rebuild's transaction.</summary>
public partial class LedgerProjection : IResettableProjection
{
    public void Reset(IProjectionWriter writer) => writer.Execute("DELETE FROM ledger");
}
