namespace ProjectionGen.Progress;

/// <summary>
/// The kinds of a <c>projection_history</c> row, for the writers below the public
/// <see cref="Operations.ProjectionHistoryKinds"/>, which forwards to these.
/// </summary>
internal static class HistoryKinds
{
    /// <summary>A node acquired the projection's lock and bumped its epoch; the previous acquisition was by the same node, or there was none.</summary>
    public const string Acquired = "acquired";

    /// <summary>A node acquired the projection that another node held before.</summary>
    public const string Moved = "moved";

    /// <summary>A node lost the projection's lock.</summary>
    public const string Lost = "lost";

    /// <summary>The projection was rebuilt: epoch bumped, position reset to 0, read model emptied.</summary>
    public const string Rebuilt = "rebuilt";

    /// <summary>A generation of the projection started building beside the live one (docs/versions.md).</summary>
    public const string BuildStarted = "build-started";

    /// <summary>The projection's readers were switched to another generation.</summary>
    public const string Switched = "switched";

    /// <summary>A kept generation was retired: its table dropped, its progress rows deleted.</summary>
    public const string Retired = "retired";
}
