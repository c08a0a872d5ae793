namespace ProjectionGen.Guard;

/// <summary>
/// How much of the guard a commit carries. Only <see cref="Full"/> is ever used in production; the weaker modes exist
/// so that the guard-cost benchmark can measure the guard and the fault suite can show its checker catching an
/// unfenced daemon.
/// </summary>
internal enum CommitFencing
{
    /// <summary>The fenced progress update and the server-side lock check (the default).</summary>
    Full = 0,

    /// <summary>The fenced progress update without the <c>pg_locks</c> check.</summary>
    EpochOnly = 1,

    /// <summary>A plain progress update: no epoch, no position, no lock check. Unsafe: tests and benchmarks only.</summary>
    Unfenced = 2,
}
