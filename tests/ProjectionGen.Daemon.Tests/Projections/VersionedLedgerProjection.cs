namespace ProjectionGen.Tests.Projections;

/// <summary>
/// An event projection that declares its table (docs/versions.md, "Event projections"): readers query the view
/// <c>projectiongen.vledger</c>, each generation writes its own copy, named by <see cref="IProjectionWriter.Table"/>. No
/// unique constraint: a double application leaves two rows for one sequence.
/// </summary>
[Projection("vledger", BatchSize = 25, Tables = new[] { "vledger" })]
public partial class VersionedLedgerProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS projectiongen.vledger (seq bigint NOT NULL, account text NOT NULL, amount int NOT NULL)";

    public static void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute($"INSERT INTO {writer.Table("vledger")} (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, e.Amount);

    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute($"INSERT INTO {writer.Table("vledger")} (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, -e.Amount);
}
