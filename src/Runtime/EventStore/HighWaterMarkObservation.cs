namespace ProjectionGen.EventStore;

/// <summary>One reading of the database by <see cref="SafeHighWaterMark"/>, all taken in one statement.</summary>
/// <param name="CheckedBarrier">The barrier whose appenders were looked up, if any.</param>
/// <param name="CheckedBarrierOpen">Whether any appender of <paramref name="CheckedBarrier"/> was still in flight.</param>
/// <param name="MaxSequence">The highest sequence number visible to the statement's snapshot (0 for none).</param>
/// <param name="ContiguousEnd">The end of the run of visible sequence numbers that starts right after the basis mark.</param>
/// <param name="InFlightAppenderXids">The appenders holding the marker lock and a transaction id, read after the snapshot.</param>
internal readonly record struct HighWaterMarkObservation(
    HighWaterMarkBarrier? CheckedBarrier,
    bool CheckedBarrierOpen,
    long MaxSequence,
    long ContiguousEnd,
    long[] InFlightAppenderXids);
