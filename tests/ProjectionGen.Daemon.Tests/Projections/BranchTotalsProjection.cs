namespace ProjectionGen.Tests.Projections;

/// <summary>
/// A multi-stream aggregate with int ids: every account ("acct-N") belongs to branch N % 4, and each withdrawal also
/// reaches the bank-wide withdrawals document <see cref="Withdrawals"/>. Small batches, so that faults land mid-stream.
/// </summary>
[Projection("branch_totals", BatchSize = 30)]
public partial class BranchTotalsProjection
{
    /// <summary>The document that gathers every withdrawal.</summary>
    public const int Withdrawals = -1;

    public static int Identity(Deposited e) => Branch(e.Account);

    public static IEnumerable<int> Identities(Withdrawn e) => [Branch(e.Account), Withdrawals];

    public static BranchTotal Create(Deposited e, EventMetadata metadata) =>
        new() { Balance = e.Amount, Events = 1, LastSequence = metadata.Sequence };

    public static void Apply(Deposited e, BranchTotal total, EventMetadata metadata)
    {
        total.Balance += e.Amount;
        total.Events++;
        total.LastSequence = metadata.Sequence;
    }

    public static void Apply(Withdrawn e, BranchTotal total, EventMetadata metadata)
    {
        total.Balance -= e.Amount;
        total.Events++;
        total.LastSequence = metadata.Sequence;
    }

    /// <summary>The branch of an account id of the form <c>acct-N</c>.</summary>
    public static int Branch(string account) => int.Parse(account.AsSpan(account.LastIndexOf('-') + 1), System.Globalization.CultureInfo.InvariantCulture) % 4;
}
