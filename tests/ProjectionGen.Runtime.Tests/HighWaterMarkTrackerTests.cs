using ProjectionGen.EventStore;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The tracker's rules on hand-made observations (the database side is covered by <see cref="SafeHighWaterMarkTests"/>).</summary>
public sealed class HighWaterMarkTrackerTests
{
    [Fact]
    public void With_no_appender_in_flight_the_mark_is_the_visible_max()
    {
        var tracker = new HighWaterMarkTracker();
        Assert.Equal(7, tracker.Apply(new HighWaterMarkObservation(null, false, 7, 3, [])));
        Assert.Null(tracker.Current.Barrier);
    }

    [Fact]
    public void With_appenders_in_flight_the_mark_takes_the_visible_run_and_waits_for_the_barrier()
    {
        var tracker = new HighWaterMarkTracker();
        Assert.Equal(3, tracker.Apply(new HighWaterMarkObservation(null, false, 9, 3, [100, 101])));
        var barrier = tracker.Current.Barrier;
        Assert.Equal(new long[] { 100, 101 }, barrier!.AppenderXids);
        Assert.Equal(9, barrier.MaxSequence);

        // Still open: the run may grow, the barrier stays (new appenders do not move it).
        Assert.Equal(4, tracker.Apply(new HighWaterMarkObservation(barrier, true, 12, 4, [101, 102])));
        Assert.Same(barrier, tracker.Current.Barrier);

        // Its appenders have ended while others are in flight: the mark passes to its max, and a new barrier starts.
        Assert.Equal(9, tracker.Apply(new HighWaterMarkObservation(barrier, false, 15, 4, [102, 103])));
        Assert.Equal(15, tracker.Current.Barrier!.MaxSequence);
    }

    [Fact]
    public void The_mark_never_decreases_when_an_older_observation_arrives_late()
    {
        var tracker = new HighWaterMarkTracker();
        Assert.Equal(20, tracker.Apply(new HighWaterMarkObservation(null, false, 20, 20, [])));
        Assert.Equal(20, tracker.Apply(new HighWaterMarkObservation(null, false, 12, 12, [])));
        Assert.Equal(20, tracker.Apply(new HighWaterMarkObservation(null, false, 25, 5, [7])));
        Assert.Equal(25, tracker.Current.Barrier!.MaxSequence);
        Assert.Equal(20, tracker.Mark);
    }
}
