namespace ProjectionGen.EventStore;

/// <summary>
/// The state of the safe high-water mark between readings: the mark reached so far and, while appenders are in
/// flight, the barrier that lets the mark pass gaps once the appenders seen with them have ended (so that a rolled-back
/// append does not stall the mark under continuous load). Thread-safe.
/// </summary>
/// <remarks>
/// The mark never decreases while the database keeps its history. When it does not (a failover to an asynchronous
/// standby, a restore, a crash that lost commits), the sequence hands out numbers again below the remembered mark, and
/// a reader trusting that mark would pass events still being appended. So the tracker remembers which server and
/// database it read (<see cref="ServerIdentity"/>) and starts over, mark 0 and no barrier, with a new
/// <see cref="Generation"/>, when a reading comes from another one or sees fewer events than the mark it started from
/// (committed events never disappear otherwise). A reading that started before the tracker started over is discarded.
/// </remarks>
internal sealed class HighWaterMarkTracker
{
    private readonly Lock gate = new();
    private long safe;
    private HighWaterMarkBarrier? barrier;
    private ServerIdentity? server;
    private long generation;

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

    /// <summary>How many times the tracker started over (see the remarks); a mark is only valid within its generation.</summary>
    public long Generation
    {
        get
        {
            lock (gate)
            {
                return generation;
            }
        }
    }

    /// <summary>What the next reading starts from: the mark, the pending barrier, the server read so far, and the generation.</summary>
    public (long Basis, HighWaterMarkBarrier? Barrier, ServerIdentity? Server, long Generation) Current
    {
        get
        {
            lock (gate)
            {
                return (safe, barrier, server, generation);
            }
        }
    }

    /// <summary>The mark with its generation, read together.</summary>
    public (long Mark, long Generation) MarkAndGeneration
    {
        get
        {
            lock (gate)
            {
                return (safe, generation);
            }
        }
    }

    /// <summary>
    /// Advances the mark by what <paramref name="observation"/> proves (see <see cref="SafeHighWaterMark"/>), unless
    /// the observation shows that the database went back in time or was taken before the tracker started over.
    /// </summary>
    /// <returns><see langword="false"/> when the observation was not applied and a new reading is needed.</returns>
    public bool TryApply(HighWaterMarkObservation observation, out long mark)
    {
        lock (gate)
        {
            mark = safe;
            if (observation.Generation != generation)
            {
                // Taken against the state from before the tracker started over: its run and barrier mean nothing now.
                return false;
            }

            if (server is null)
            {
                server = observation.Server;
            }
            else if (server != observation.Server || observation.MaxSequence < observation.Basis)
            {
                StartOver(observation.Server);
                mark = safe;
                return false;
            }

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

            mark = safe;
            return true;
        }
    }

    private void StartOver(ServerIdentity newServer)
    {
        safe = 0;
        barrier = null;
        server = newServer;
        generation++;
    }
}
