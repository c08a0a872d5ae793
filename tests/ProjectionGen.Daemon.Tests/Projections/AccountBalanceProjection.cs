namespace ProjectionGen.Tests.Projections;

[Projection("account_balance", BatchSize = 40)]
public partial class AccountBalanceProjection
{
    public static AccountBalance Create(Deposited e, EventMetadata metadata) =>
        new() { Balance = e.Amount, Events = 1, LastSequence = metadata.Sequence };

    public static void Apply(Deposited e, AccountBalance balance, EventMetadata metadata)
    {
        balance.Balance += e.Amount;
        balance.Events++;
        balance.LastSequence = metadata.Sequence;
    }

    public static void Apply(Withdrawn e, AccountBalance balance, EventMetadata metadata)
    {
        balance.Balance -= e.Amount;
        balance.Events++;
        balance.LastSequence = metadata.Sequence;
    }
}
