namespace ProjectionGen.Operations;

/// <summary>
/// One sample of a projection generation catching up, as <see cref="ProjectionCatchUpWatcher"/> reports it
/// (docs/operations.md, "Watching a catch-up").
/// </summary>
/// <param name="Position">The lowest committed position over the watched slots (every shard): every event up to it is projected.</param>
/// <param name="Head">The store's safe high-water mark when the sample was read (the last sequence a node may project).</param>
/// <param name="EventsPerSecond">
/// How fast <paramref name="Position"/> moved over the last samples (sequence numbers per second, which are events per
/// second but for the gaps rolled-back appends leave); <see langword="null"/> until two samples exist.
/// </param>
/// <param name="EstimatedRemaining">
/// The time left at that rate to reach <see cref="Target"/>: zero once reached, <see langword="null"/> while no rate
/// is known or the position does not move.
/// </param>
/// <param name="CaughtUp">Whether the watch ended because the generation caught up (the last sample of a successful watch).</param>
/// <param name="State">
/// What the slots or the generation are doing: <c>rebuilding</c> (no node has taken a slot yet), <c>running</c>,
/// <c>building</c>, <c>caught-up</c>, <c>live</c>, or a state that ends the watch without catching up: <c>paused</c>
/// (a poison event), <c>kept</c>, <c>retired</c>, <c>not-projected</c>.
/// </param>
public sealed record CatchUpProgress(
    long Position,
    long Head,
    double? EventsPerSecond,
    TimeSpan? EstimatedRemaining,
    bool CaughtUp,
    string State)
{
    /// <summary>
    /// The position the watch waits for: for a rebuild, the head when the watch started (so that it ends while appends
    /// continue); for a generation, the current <see cref="Head"/>.
    /// </summary>
    public long Target { get; init; }

    /// <summary>The watched slot key (<c>name</c>, or <c>name@v1b</c> for another generation; docs/versions.md).</summary>
    public string SlotKey { get; init; } = "";

    /// <summary>How many progress rows (shards) the watched generation has; 0 when it has none (yet).</summary>
    public int Slots { get; init; }

    /// <summary>Whether this is the last sample: caught up, or ended by a state that would never catch up (see <see cref="State"/>).</summary>
    public bool Final { get; init; }

    /// <summary>For a final sample that did not catch up, why (for example the paused slot and its position); else <see langword="null"/>.</summary>
    public string? Detail { get; init; }

    /// <summary>When the sample was taken (the watcher's clock).</summary>
    public DateTimeOffset SampledAt { get; init; }
}
