namespace ProjectionGen.EventStore;

/// <summary>
/// One shard of a sharded projection's events: the streams whose stable hash (the events table's
/// <c>stream_hash</c> column) modulo <see cref="Count"/> is <see cref="Index"/>.
/// </summary>
/// <param name="Index">The shard, 0 to <see cref="Count"/> - 1.</param>
/// <param name="Count">How many shards the projection has.</param>
internal readonly record struct ShardFilter(int Index, int Count);
