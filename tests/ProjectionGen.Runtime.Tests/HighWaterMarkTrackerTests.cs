using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The tracker's rules on hand-made observations (the database side is covered by <see cref="SafeHighWaterMarkTests"/>).</summary>
public sealed class HighWaterMarkTrackerTests
{
    private static readonly ServerIdentity Server = new(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), 7001, 16384);

    [Fact]
    public void With_no_appender_in_flight_the_mark_is_the_visible_max()
    {
        var tracker = new HighWaterMarkTracker();
        Assert.Equal(7, Apply(tracker, Observe(tracker, null, false, 7, 3, [])));
        Assert.Null(tracker.Current.Barrier);
    }

    [Fact]
    public void With_appenders_in_flight_the_mark_takes_the_visible_run_and_waits_for_the_barrier()
    {
        var tracker = new HighWaterMarkTracker();
        Assert.Equal(3, Apply(tracker, Observe(tracker, null, false, 9, 3, [100, 101])));
        var barrier = tracker.Current.Barrier;
        Assert.Equal(new long[] { 100, 101 }, barrier!.AppenderXids);
        Assert.Equal(9, barrier.MaxSequence);

        // Still open: the run may grow, the barrier stays (new appenders do not move it).
        Assert.Equal(4, Apply(tracker, Observe(tracker, barrier, true, 12, 4, [101, 102])));
        Assert.Same(barrier, tracker.Current.Barrier);

        // Its appenders have ended while others are in flight: the mark passes to its max, and a new barrier starts.
        Assert.Equal(9, Apply(tracker, Observe(tracker, barrier, false, 15, 4, [102, 103])));
        Assert.Equal(15, tracker.Current.Barrier!.MaxSequence);
    }

    [Fact]
    public void The_mark_never_decreases_when_an_older_observation_arrives_late()
    {
        var tracker = new HighWaterMarkTracker();
        var late = Observe(tracker, null, false, 12, 12, []);
        Assert.Equal(20, Apply(tracker, Observe(tracker, null, false, 20, 20, [])));
        Assert.Equal(20, Apply(tracker, late));
        Assert.Equal(20, Apply(tracker, Observe(tracker, null, false, 25, 5, [7]) with { Basis = 0 }));
        Assert.Equal(25, tracker.Current.Barrier!.MaxSequence);
        Assert.Equal(20, tracker.Mark);
        Assert.Equal(0, tracker.Generation);
    }

    [Fact]
    public void A_reading_below_the_mark_it_started_from_starts_the_tracker_over()
    {
        var tracker = new HighWaterMarkTracker();
        Assert.Equal(60, Apply(tracker, Observe(tracker, null, false, 60, 60, [])));
        Assert.Equal(60, Apply(tracker, Observe(tracker, null, false, 100, 60, [5])));
        Assert.NotNull(tracker.Current.Barrier);

        // The database lost everything after 50: the mark, the barrier and the generation start over.
        Assert.False(tracker.TryApply(Observe(tracker, tracker.Current.Barrier, true, 50, 50, [9]), out var mark));
        Assert.Equal(0, mark);
        Assert.Equal((0L, (HighWaterMarkBarrier?)null, Server, 1L), tracker.Current);
        Assert.Equal(50, Apply(tracker, Observe(tracker, null, false, 50, 50, [])));
    }

    [Fact]
    public void A_reading_from_another_server_starts_the_tracker_over_even_above_the_mark()
    {
        var tracker = new HighWaterMarkTracker();
        Assert.Equal(150, Apply(tracker, Observe(tracker, null, false, 150, 150, [])));

        var promoted = Server with { StartTime = Server.StartTime.AddMinutes(5) };
        Assert.False(tracker.TryApply(Observe(tracker, null, false, 160, 160, [42]) with { Server = promoted }, out _));
        Assert.Equal(1, tracker.Generation);

        // Measured from 0 on the new server: the run ends at 100, and the in-flight appender holds the mark there.
        Assert.Equal(100, Apply(tracker, Observe(tracker, null, false, 160, 100, [42]) with { Server = promoted }));
        var restored = Server with { SystemIdentifier = 7002 };
        Assert.False(tracker.TryApply(Observe(tracker, null, false, 160, 160, []) with { Server = restored }, out _));
        var recreated = restored with { DatabaseOid = 16999 };
        Assert.False(tracker.TryApply(Observe(tracker, null, false, 160, 160, []) with { Server = recreated }, out _));
        Assert.Equal(3, tracker.Generation);
    }

    [Fact]
    public void A_reading_started_before_the_tracker_started_over_is_discarded()
    {
        var tracker = new HighWaterMarkTracker();
        Assert.Equal(100, Apply(tracker, Observe(tracker, null, false, 100, 100, [])));
        var fromTheOldServer = Observe(tracker, null, false, 120, 120, []);
        Assert.False(tracker.TryApply(Observe(tracker, null, false, 40, 40, []), out _));

        Assert.False(tracker.TryApply(fromTheOldServer, out var mark));
        Assert.Equal(0, mark);
        Assert.Equal(40, Apply(tracker, Observe(tracker, null, false, 40, 40, [])));
    }

    private static HighWaterMarkObservation Observe(HighWaterMarkTracker tracker, HighWaterMarkBarrier? checkedBarrier, bool open, long max, long run, long[] appenders)
    {
        var (basis, _, _, generation) = tracker.Current;
        return new HighWaterMarkObservation(checkedBarrier, open, max, run, appenders, basis, generation, Server);
    }

    private static long Apply(HighWaterMarkTracker tracker, HighWaterMarkObservation observation)
    {
        Assert.True(tracker.TryApply(observation, out var mark));
        return mark;
    }
}
