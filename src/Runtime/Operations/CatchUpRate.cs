namespace ProjectionGen.Operations;

/// <summary>
/// The rate of a catch-up over a sliding window of samples (position, time): the position moved between the oldest and
/// the newest sample kept, divided by the time between them. A position that goes back (another rebuild) starts the
/// window over.
/// </summary>
internal sealed class CatchUpRate
{
    private readonly Queue<(long Timestamp, long Position)> samples = new();
    private readonly TimeProvider time;
    private readonly int size;

    /// <param name="time">The clock of the timestamps.</param>
    /// <param name="size">How many samples the window keeps (at least 2).</param>
    public CatchUpRate(TimeProvider time, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 2);
        this.time = time;
        this.size = size;
    }

    /// <summary>Adds a sample taken at <paramref name="timestamp"/> (of the clock's <see cref="TimeProvider.GetTimestamp"/>).</summary>
    public void Add(long timestamp, long position)
    {
        if (samples.Count > 0 && position < samples.Last().Position)
        {
            samples.Clear();
        }

        samples.Enqueue((timestamp, position));
        while (samples.Count > size)
        {
            samples.Dequeue();
        }
    }

    /// <summary>Sequence numbers per second over the window; <see langword="null"/> until two samples some time apart exist.</summary>
    public double? PerSecond
    {
        get
        {
            if (samples.Count < 2)
            {
                return null;
            }

            var (firstAt, first) = samples.Peek();
            var (lastAt, last) = samples.Last();
            var seconds = time.GetElapsedTime(firstAt, lastAt).TotalSeconds;
            return seconds > 0 ? (last - first) / seconds : null;
        }
    }

    /// <summary>The time to cover <paramref name="remaining"/> sequence numbers at <see cref="PerSecond"/>; zero when none remain, <see langword="null"/> without a positive rate.</summary>
    public TimeSpan? Estimate(long remaining)
    {
        if (remaining <= 0)
        {
            return TimeSpan.Zero;
        }

        return PerSecond is { } rate && rate > 0 ? TimeSpan.FromSeconds(Math.Min(remaining / rate, TimeSpan.MaxValue.TotalSeconds / 2)) : null;
    }
}
