namespace ProjectionGen.Tests.Projections;

/// <summary>
/// An event projection as written before versions: it declares no tables and writes <c>projectiongen.oldledger</c> by
/// its name (literal SQL). Version 2 (<see cref="OldLedgerV2Projection"/>) declares the table; in a rolling deploy this
/// one keeps running on the old nodes until the switch.
/// </summary>
[Projection("oldledger", BatchSize = 25)]
public partial class OldLedgerProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS projectiongen.oldledger (seq bigint NOT NULL, account text NOT NULL, amount int NOT NULL)";

    public static void Handle(Deposited e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO projectiongen.oldledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, e.Amount);

    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer) =>
        writer.Execute("INSERT INTO projectiongen.oldledger (seq, account, amount) VALUES ($1, $2, $3)", metadata.Sequence, e.Account, -e.Amount);
}
