namespace ProjectionGen.Daemon;

/// <summary>
/// The events of one batch as read (after <see cref="From"/>, up to <see cref="Mark"/>, at most <see cref="Limit"/>)
/// and, for a single-stream aggregate whose documents came in the same round trip, its documents: stream id → the
/// stored document, or null when the stream has none yet (see docs/daemon.md, "Reading ahead").
/// </summary>
/// <param name="From">The position the read started after.</param>
/// <param name="Mark">The safe high-water mark the read stopped at.</param>
/// <param name="Generation">The store's mark generation that <paramref name="Mark"/> belongs to.</param>
/// <param name="Limit">The most events the read asked for.</param>
/// <param name="Events">The events, in sequence order.</param>
/// <param name="Documents">The documents of the events' streams; null when they were not read with the events.</param>
internal sealed record BatchRead(long From, long Mark, long Generation, int Limit, IReadOnlyList<EventEnvelope> Events, Dictionary<string, object?>? Documents);
