namespace ProjectionGen.Tests.Projections;

/// <summary>
/// The new build's <c>shaped_ledger</c> (<see cref="ShapedLedgerV1Projection"/>): it also handles withdrawals. One
/// compilation may not name two projections alike, so the tests run it as <c>shaped_ledger</c> through
/// <see cref="NewBuild"/>.
/// </summary>
[Projection("shaped_ledger_next", BatchSize = 25)]
public partial class ShapedLedgerV2Projection
{
    /// <summary>This projection as the new build's <c>shaped_ledger</c>.</summary>
    public static IGeneratedProjection NewBuild() => new RenamedProjection(new ShapedLedgerV2Projection(), "shaped_ledger");

    public static void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO shaped_ledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, e.Amount);

    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO shaped_ledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, -e.Amount);
}
