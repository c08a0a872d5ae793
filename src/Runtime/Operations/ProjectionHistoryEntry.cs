namespace ProjectionGen.Operations;

/// <summary>One row of the projection history: an acquisition, a move, a lock loss or a rebuild.</summary>
/// <param name="Id">The row's id; ids grow with time.</param>
/// <param name="At">When it happened (the server's time for acquisitions and rebuilds, the detecting node's for losses).</param>
/// <param name="Kind">One of <see cref="ProjectionHistoryKinds"/>.</param>
/// <param name="Projection">The projection.</param>
/// <param name="Node">The node that acquired or lost the projection (<see langword="null"/> for a rebuild).</param>
/// <param name="Epoch">The epoch acquired, lost or bumped to.</param>
/// <param name="Position">The position at the time (for a rebuild: the position before the reset).</param>
/// <param name="Detail">The loss cause, the previous owner of a move, or what a rebuild reset.</param>
public sealed record ProjectionHistoryEntry(
    long Id,
    DateTimeOffset At,
    string Kind,
    string Projection,
    string? Node,
    long? Epoch,
    long? Position,
    string? Detail);
