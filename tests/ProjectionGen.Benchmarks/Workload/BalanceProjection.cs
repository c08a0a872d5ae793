namespace ProjectionGen.Benchmarks.Workload;

/// <summary>ProjectionGen's aggregate contender: one <see cref="BalanceSummary"/> per stream.</summary>
[Projection("bench_balance")]
public partial class BalanceProjection
{
    /// <summary>The first deposit of a stream creates its summary.</summary>
    public static BalanceSummary Create(FundsDeposited e) => new() { Balance = e.Amount, Events = 1 };

    /// <summary>A later deposit.</summary>
    public static void Apply(FundsDeposited e, BalanceSummary summary)
    {
        summary.Balance += e.Amount;
        summary.Events++;
    }

    /// <summary>A withdrawal.</summary>
    public static void Apply(FundsWithdrawn e, BalanceSummary summary)
    {
        summary.Balance -= e.Amount;
        summary.Events++;
    }
}
