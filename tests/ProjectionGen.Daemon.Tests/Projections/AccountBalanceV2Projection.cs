namespace ProjectionGen.Tests.Projections;

/// <summary>
/// Version 2 of <see cref="AccountBalanceProjection"/> (docs/versions.md): the same fold, built beside version 1 into
/// <c>doc_account_balance_v2</c> and switched to once it has caught up. A node that runs it joins a cluster of version-1
/// nodes as a rolling deploy would.
/// </summary>
[Projection("account_balance", Version = 2, BatchSize = 40)]
public partial class AccountBalanceV2Projection
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
