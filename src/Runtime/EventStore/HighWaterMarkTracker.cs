namespace ProjectionGen.EventStore;

/// <summary>
/// The state of the safe high-water mark between readings: the mark reached so far and, while appenders are in
/// flight, the barrier that lets the mark pass gaps once the appenders seen with them have ended (so that a rolled-back
/// append does not stall the mark under continuous load). Thread-safe; the mark never decreases.
/// </summary>
internal sealed class HighWaterMarkTracker
{
    private readonly Lock gate = new();
    private long safe;
    private HighWaterMarkBarrier? barrier;

    /// <summary>The mark reached so far.</summary>
    public long Mark
    {
        get
        {
            lock (gate)
            {
                return safe;
            }
        }
    }

    /// <summary>The mark and the pending barrier, to be checked by the next reading.</summary>
    public (long Basis, HighWaterMarkBarrier? Barrier) Current
    {
        get
        {
            lock (gate)
            {
                return (safe, barrier);
            }
        }
    }

    /// <summary>Advances the mark by what <paramref name="observation"/> proves (see <see cref="SafeHighWaterMark"/>).</summary>
    /// <returns>The new mark.</returns>
    public long Apply(HighWaterMarkObservation observation)
    {
        lock (gate)
        {
            // The barrier's appenders have all ended: every gap up to its max is committed (and visible) or permanent.
            if (observation.CheckedBarrier is { } checkedBarrier && !observation.CheckedBarrierOpen)
            {
                safe = Math.Max(safe, checkedBarrier.MaxSequence);
                if (ReferenceEquals(barrier, checkedBarrier))
                {
                    barrier = null;
                }
            }

            if (observation.InFlightAppenderXids.Length == 0)
            {
                // No appender holds a sequence number below the visible max: nothing can still commit below it.
                safe = Math.Max(safe, observation.MaxSequence);
            }
            else
            {
                // Every number in the visible run is committed; beyond it, wait for the appenders seen now.
                safe = Math.Max(safe, observation.ContiguousEnd);
                if (barrier is null && observation.MaxSequence > safe)
                {
                    barrier = new HighWaterMarkBarrier(observation.MaxSequence, observation.InFlightAppenderXids);
                }
            }

            if (barrier is not null && barrier.MaxSequence <= safe)
            {
                barrier = null;
            }

            return safe;
        }
    }
}
