namespace ProjectionGen.Tests.Projections;

/// <summary>The account balances split into four shards: a stream's events all land in one shard, in order.</summary>
[Projection("sharded_balance", BatchSize = 40, Shards = 4)]
public partial class ShardedBalanceProjection
{
    public static AccountBalance Create(Deposited e, EventMetadata metadata) => AccountBalanceProjection.Create(e, metadata);

    public static void Apply(Deposited e, AccountBalance balance, EventMetadata metadata) => AccountBalanceProjection.Apply(e, balance, metadata);

    public static void Apply(Withdrawn e, AccountBalance balance, EventMetadata metadata) => AccountBalanceProjection.Apply(e, balance, metadata);
}
