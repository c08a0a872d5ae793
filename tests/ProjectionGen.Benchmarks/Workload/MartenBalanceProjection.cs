using JasperFx.Events;
using Marten.Events.Aggregation;

namespace ProjectionGen.Benchmarks.Workload;

/// <summary>
/// Marten's contender: the same single-stream aggregate as <see cref="BalanceProjection"/>, written with Marten's
/// explicit <c>Evolve</c> override (no runtime code generation needed).
/// </summary>
public sealed class MartenBalanceProjection : SingleStreamProjection<BalanceSummary, Guid>
{
    /// <inheritdoc />
    public override BalanceSummary? Evolve(BalanceSummary? snapshot, Guid id, IEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e.Data)
        {
            case FundsDeposited deposited when snapshot is null:
                return new BalanceSummary { Id = id, Balance = deposited.Amount, Events = 1 };
            case FundsDeposited deposited:
                snapshot.Balance += deposited.Amount;
                snapshot.Events++;
                return snapshot;
            case FundsWithdrawn withdrawn when snapshot is not null:
                snapshot.Balance -= withdrawn.Amount;
                snapshot.Events++;
                return snapshot;
            default:
                return snapshot;
        }
    }
}
