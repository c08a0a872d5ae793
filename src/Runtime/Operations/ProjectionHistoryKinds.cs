using ProjectionGen.Progress;

namespace ProjectionGen.Operations;

/// <summary>The kinds of <see cref="ProjectionHistoryEntry"/>.</summary>
public static class ProjectionHistoryKinds
{
    /// <summary>A node acquired the projection's lock and bumped its epoch; the previous acquisition was by the same node, or there was none.</summary>
    public const string Acquired = HistoryKinds.Acquired;

    /// <summary>A node acquired the projection that another node held before (<see cref="ProjectionHistoryEntry.Detail"/> names it).</summary>
    public const string Moved = HistoryKinds.Moved;

    /// <summary>A node lost the projection's lock (<see cref="ProjectionHistoryEntry.Detail"/> is the cause).</summary>
    public const string Lost = HistoryKinds.Lost;

    /// <summary>The projection was rebuilt: epoch bumped, position reset to 0, read model emptied.</summary>
    public const string Rebuilt = HistoryKinds.Rebuilt;

    /// <summary>A generation of the projection started building beside the live one (a new version, a shadow rebuild or a switch back; docs/versions.md).</summary>
    public const string BuildStarted = HistoryKinds.BuildStarted;

    /// <summary>The projection's readers were switched to another generation (<see cref="ProjectionHistoryEntry.Detail"/> names it).</summary>
    public const string Switched = HistoryKinds.Switched;

    /// <summary>A kept generation was retired: its table dropped, its progress rows deleted.</summary>
    public const string Retired = HistoryKinds.Retired;
}
