namespace ProjectionGen.EventStore;

/// <summary>One reading of the database by <see cref="SafeHighWaterMark"/>, all taken in one statement.</summary>
/// <param name="CheckedBarrier">The barrier whose appenders were looked up, if any.</param>
/// <param name="CheckedBarrierOpen">Whether any appender of <paramref name="CheckedBarrier"/> was still in flight.</param>
/// <param name="MaxSequence">The highest sequence number visible to the statement's snapshot (0 for none).</param>
/// <param name="ContiguousEnd">The end of the run of visible sequence numbers that starts right after <paramref name="Basis"/>.</param>
/// <param name="InFlightAppenderXids">The appenders holding the marker lock and a transaction id, read after the snapshot.</param>
/// <param name="Basis">The tracker's mark when the reading started (the run was measured from it).</param>
/// <param name="Generation">The tracker's generation when the reading started.</param>
/// <param name="Server">The server and database the reading was taken on.</param>
internal readonly record struct HighWaterMarkObservation(
    HighWaterMarkBarrier? CheckedBarrier,
    bool CheckedBarrierOpen,
    long MaxSequence,
    long ContiguousEnd,
    long[] InFlightAppenderXids,
    long Basis,
    long Generation,
    ServerIdentity Server);
