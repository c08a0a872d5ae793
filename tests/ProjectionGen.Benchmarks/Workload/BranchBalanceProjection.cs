using System.Globalization;

namespace ProjectionGen.Benchmarks.Workload;

/// <summary>
/// ProjectionGen's multi-stream contender: the same events as <see cref="BalanceProjection"/>, routed to one
/// <see cref="BalanceSummary"/> per branch (account number modulo <see cref="Branches"/>), so every document gathers
/// the events of many streams.
/// </summary>
[Projection("bench_branch")]
public partial class BranchBalanceProjection
{
    /// <summary>How many branch documents the workload's accounts fall into.</summary>
    public const int Branches = 100;

    /// <summary>A deposit counts for its account's branch.</summary>
    public static int Identity(FundsDeposited e) => Branch(e.Account);

    /// <summary>A withdrawal counts for its account's branch.</summary>
    public static int Identity(FundsWithdrawn e) => Branch(e.Account);

    /// <summary>A deposit.</summary>
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

    /// <summary>The branch of an account key of the form <c>acct-N</c>.</summary>
    public static int Branch(string account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return int.Parse(account.AsSpan(account.LastIndexOf('-') + 1), CultureInfo.InvariantCulture) % Branches;
    }
}
