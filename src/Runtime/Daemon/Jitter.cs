namespace ProjectionGen.Daemon;

/// <summary>Spreads the ownership loop's intervals and backoffs by ±25 %, so that nodes do not contend in lockstep.</summary>
internal static class Jitter
{
    /// <summary><paramref name="interval"/> times a random factor between 0.75 and 1.25.</summary>
    public static TimeSpan Of(TimeSpan interval) => interval * (0.75 + (Random.Shared.NextDouble() * 0.5));
}
