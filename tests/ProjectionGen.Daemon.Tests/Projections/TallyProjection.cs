namespace ProjectionGen.Tests.Projections;

/// <summary>An aggregate whose stored documents a test corrupts, so that loading them fails outside the handlers.</summary>
[Projection("tally", MaxRetries = 1)]
public partial class TallyProjection
{
    public static Tally Create(Deposited e) => new() { Count = 1 };

    public static void Apply(Deposited e, Tally tally) => tally.Count++;
}
