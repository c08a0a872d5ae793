namespace ProjectionGen.Operations;

/// <summary>What a rebuild did.</summary>
/// <param name="Projection">The projection.</param>
/// <param name="Epoch">The epoch the rebuild bumped to; the owner at the previous epoch can no longer commit.</param>
/// <param name="PreviousPosition">The position before the reset.</param>
/// <param name="PreviousOwner">The node that owned the projection before, if any.</param>
public sealed record ProjectionRebuildResult(string Projection, long Epoch, long PreviousPosition, string? PreviousOwner);
