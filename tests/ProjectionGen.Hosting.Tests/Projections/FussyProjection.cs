namespace ProjectionGen.Hosting.Tests.Projections;

/// <summary>Refuses withdrawals of exactly 13 (dead-lettered at once); an event projection without a reset.</summary>
[Projection("fussy", MaxRetries = 0)]
public partial class FussyProjection
{
    public const int PoisonAmount = 13;

    public static void Handle(Withdrawn e)
    {
        if (e.Amount == PoisonAmount)
        {
            throw new InvalidOperationException("13 is unlucky");
        }
    }
}
