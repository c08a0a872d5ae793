namespace ProjectionGen.Hosting.Tests.Projections;

[Projection("balance", BatchSize = 30)]
public partial class BalanceProjection
{
    public static Balance Create(Deposited e, EventMetadata metadata) =>
        new() { Amount = e.Amount, Events = 1, LastSequence = metadata.Sequence };

    public static void Apply(Deposited e, Balance balance, EventMetadata metadata)
    {
        balance.Amount += e.Amount;
        balance.Events++;
        balance.LastSequence = metadata.Sequence;
    }

    public static void Apply(Withdrawn e, Balance balance, EventMetadata metadata)
    {
        balance.Amount -= e.Amount;
        balance.Events++;
        balance.LastSequence = metadata.Sequence;
    }
}
