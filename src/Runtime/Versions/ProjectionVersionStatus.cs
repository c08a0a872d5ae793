namespace ProjectionGen.Versions;

/// <summary>One generation of a projection as <c>status</c> shows it (docs/versions.md).</summary>
/// <param name="Projection">The projection name (its view's name).</param>
/// <param name="Generation">The generation's label: <c>v1</c>, <c>v1b</c>, <c>v2</c>...</param>
/// <param name="Version">The projection version it runs.</param>
/// <param name="State">building, live, kept or retired (<see cref="ProjectionVersionStates"/>).</param>
/// <param name="SlotKey">The projection column of its progress rows (the base of its slot names and lock keys).</param>
/// <param name="TableName">Its document table in the store's schema.</param>
/// <param name="Shards">Its shard count.</param>
/// <param name="Slots">How many progress rows it has (0 once retired).</param>
/// <param name="Position">The lowest position of its slots, or <see langword="null"/> without slots.</param>
/// <param name="HighWaterMark">The safe high-water mark when read.</param>
/// <param name="Lag">Sequence numbers between its lowest position and the mark.</param>
/// <param name="CreatedAt">When it was first registered.</param>
/// <param name="BuildStartedAt">When it last started building, if ever.</param>
/// <param name="SwitchedAt">When readers were last switched to it, if ever.</param>
/// <param name="RetiredAt">When it was retired, if it was.</param>
public sealed record ProjectionVersionStatus(
    string Projection,
    string Generation,
    int Version,
    string State,
    string SlotKey,
    string TableName,
    int Shards,
    long Slots,
    long? Position,
    long HighWaterMark,
    long Lag,
    DateTimeOffset CreatedAt,
    DateTimeOffset? BuildStartedAt,
    DateTimeOffset? SwitchedAt,
    DateTimeOffset? RetiredAt);
