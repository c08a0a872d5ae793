namespace ProjectionGen.Tests.Projections;

/// <summary>Pauses on a poison event instead of dead-lettering it.</summary>
[Projection("pausing", MaxRetries = 1, OnPoisonEvent = PoisonEventPolicy.Pause)]
public partial class PausingProjection : IResettableProjection
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS pausing_ledger (seq bigint NOT NULL)";

    public static void Handle(Withdrawn e, EventMetadata metadata, IProjectionWriter writer)
    {
        if (e.Amount == 13)
        {
            throw new InvalidOperationException("13 is unlucky");
        }

        writer.Execute("INSERT INTO pausing_ledger (seq) VALUES ($1)", metadata.Sequence);
    }

    public void Reset(IProjectionWriter writer) => writer.Execute("DELETE FROM pausing_ledger");
}
