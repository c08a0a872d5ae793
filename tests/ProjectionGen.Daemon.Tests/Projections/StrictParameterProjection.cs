namespace ProjectionGen.Tests.Projections;

/// <summary>
/// On withdrawals of 13 its handler queues a parameter of a type Npgsql cannot write, so the batch fails at commit,
/// outside the handlers; it pauses on poison events.
/// </summary>
[Projection("strict_parameter", MaxRetries = 1, OnPoisonEvent = PoisonEventPolicy.Pause)]
public partial class StrictParameterProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS strict_ledger (seq bigint NOT NULL, note text)";

    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer)
    {
        if (e.Amount == 13)
        {
            writer.Execute("INSERT INTO strict_ledger (seq, note) VALUES ($1, $2)", metadata.Sequence, new Unwritable());
            return;
        }

        writer.Execute("INSERT INTO strict_ledger (seq, note) VALUES ($1, $2)", metadata.Sequence, "ok");
    }

    /// <summary>Not a type Npgsql knows how to send.</summary>
    public sealed class Unwritable;
}
