namespace ProjectionGen.Generations;

/// <summary>
/// The states of a row of <c>projection_versions</c> (docs/versions.md), for the layers below the public
/// <see cref="Versions.ProjectionVersionStates"/>, which forwards to these.
/// </summary>
internal static class GenerationStates
{
    /// <summary>Catching up beside the live generation; switched to automatically once it has caught up.</summary>
    public const string Building = "building";

    /// <summary>The generation the projection's view points at; projected by the nodes.</summary>
    public const string Live = "live";

    /// <summary>Not projected; its table and progress are kept for a switch back until retired.</summary>
    public const string Kept = "kept";

    /// <summary>Retired: its table was dropped and its progress rows deleted.</summary>
    public const string Retired = "retired";

    /// <summary>Whether nodes run a generation in <paramref name="state"/>.</summary>
    public static bool IsProjected(string? state) => state is Building or Live;
}
