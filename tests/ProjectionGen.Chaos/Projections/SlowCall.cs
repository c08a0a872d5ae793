namespace ProjectionGen.Chaos.Projections;

/// <summary>The stand-in for an external call of the slow benchmark projections: 2 ms of waiting, no CPU.</summary>
internal static class SlowCall
{
    public static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(2);

    public static Task WaitAsync(Tick tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        return Task.Delay(Latency, cancellationToken);
    }
}
