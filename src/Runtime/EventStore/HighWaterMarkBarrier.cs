namespace ProjectionGen.EventStore;

/// <summary>
/// What the high-water mark waits for while appenders are in flight: every event with a sequence number up to
/// <paramref name="MaxSequence"/> that will ever commit has committed once all of <paramref name="AppenderXids"/> have ended.
/// </summary>
/// <param name="MaxSequence">The highest visible sequence number when the barrier was observed.</param>
/// <param name="AppenderXids">The transaction ids of the appenders in flight then (only those with a transaction id; see <see cref="SafeHighWaterMark"/>).</param>
internal sealed record HighWaterMarkBarrier(long MaxSequence, long[] AppenderXids);
