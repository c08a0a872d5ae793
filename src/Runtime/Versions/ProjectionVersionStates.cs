using ProjectionGen.Generations;

namespace ProjectionGen.Versions;

/// <summary>The states of a row of <c>projection_versions</c> (docs/versions.md).</summary>
public static class ProjectionVersionStates
{
    /// <summary>Catching up beside the live generation; switched to automatically once it has caught up.</summary>
    public const string Building = GenerationStates.Building;

    /// <summary>The generation the projection's view points at; projected by the nodes.</summary>
    public const string Live = GenerationStates.Live;

    /// <summary>Not projected; its table and progress are kept for a switch back until retired.</summary>
    public const string Kept = GenerationStates.Kept;

    /// <summary>Retired: its table was dropped and its progress rows deleted.</summary>
    public const string Retired = GenerationStates.Retired;

    /// <summary>Whether nodes run a generation in <paramref name="state"/>.</summary>
    /// <param name="state">A state of <c>projection_versions</c>, or <see langword="null"/>.</param>
    public static bool IsProjected(string? state) => GenerationStates.IsProjected(state);
}
