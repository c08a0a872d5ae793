namespace ProjectionGen.Tests.Projections;

/// <summary>Version 2 of <see cref="OldLedgerProjection"/>: it declares its table and writes its own copy, <c>oldledger_v2</c>.</summary>
[Projection("oldledger", Version = 2, BatchSize = 25, Tables = new[] { "oldledger" })]
public partial class OldLedgerV2Projection
{
    public static void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute($"INSERT INTO {writer.Table("oldledger")} (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, e.Amount);

    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute($"INSERT INTO {writer.Table("oldledger")} (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, -e.Amount);
}
