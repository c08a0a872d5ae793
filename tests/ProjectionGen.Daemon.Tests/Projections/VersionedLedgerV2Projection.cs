namespace ProjectionGen.Tests.Projections;

/// <summary>Version 2 of <see cref="VersionedLedgerProjection"/>: the same rows, built beside version 1 into <c>vledger_v2</c>.</summary>
[Projection("vledger", Version = 2, BatchSize = 25, Tables = new[] { "vledger" })]
public partial class VersionedLedgerV2Projection
{
    public static void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute($"INSERT INTO {writer.Table("vledger")} (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, e.Amount);

    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute($"INSERT INTO {writer.Table("vledger")} (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, -e.Amount);
}
