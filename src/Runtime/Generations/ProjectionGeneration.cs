using System.Globalization;

namespace ProjectionGen.Generations;

/// <summary>
/// One physical build of a projection: a version (from <see cref="ProjectionAttribute.Version"/>) in one of two lanes,
/// <c>a</c> and <c>b</c>. A version's lane <c>a</c> is built when a node with that version starts; a shadow rebuild
/// (<see cref="Versions.ProjectionVersionOperations.StartShadowRebuildAsync"/>) builds the lane that is not live. Each generation
/// has its own progress rows (one per shard), advisory locks, epochs and document table; readers query the projection's
/// view, which points at the live generation (docs/versions.md).
/// </summary>
/// <remarks>
/// Version 1, lane a, is the projection as it always was: its key is the projection name, so its progress rows, lock
/// keys and document table are unchanged. Every other generation appends its label: key <c>name@v2</c>,
/// <c>name@v1b</c>; table <c>doc_name_v2</c>, <c>doc_name_v1b</c>.
/// </remarks>
/// <param name="Projection">The projection name.</param>
/// <param name="Version">The version, 1 to <see cref="ProjectionDescriptor.MaxVersion"/>.</param>
/// <param name="LaneB">The second lane (a shadow rebuild target) rather than the first.</param>
internal readonly record struct ProjectionGeneration(string Projection, int Version, bool LaneB)
{
    /// <summary>The generation a node with <paramref name="descriptor"/> builds on start: its version, lane a.</summary>
    public static ProjectionGeneration Of(ProjectionDescriptor descriptor) => new(descriptor.Name, descriptor.Version, false);

    /// <summary>Whether this is the projection's original generation (version 1, lane a), whose names carry no suffix.</summary>
    public bool IsOriginal => Version == 1 && !LaneB;

    /// <summary>The label in <c>projection_versions.generation</c>, status and commands: <c>v1</c>, <c>v1b</c>, <c>v2</c>.</summary>
    public string Label => string.Create(CultureInfo.InvariantCulture, $"v{Version}{(LaneB ? "b" : "")}");

    /// <summary>The slot key: the projection column of its progress rows, the base of its slot names and lock keys.</summary>
    public string Key => IsOriginal ? Projection : Projection + "@" + Label;

    /// <summary>The other lane of the same version.</summary>
    public ProjectionGeneration OtherLane => this with { LaneB = !LaneB };

    /// <summary>The document table of this generation, given the projection's base table (<c>doc_</c> + name or the attribute's).</summary>
    public string TableName(string baseTable) => IsOriginal ? baseTable : baseTable + "_" + Label;

    /// <summary>Parses a label (<c>v2</c>, <c>v1b</c>) of <paramref name="projection"/>; <see langword="null"/> when it is not one.</summary>
    public static ProjectionGeneration? Parse(string projection, string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var laneB = label.EndsWith('b');
        var digits = laneB ? label[1..^1] : label.Length > 1 ? label[1..] : "";
        return label.StartsWith('v') && digits.Length > 0 && digits.All(char.IsAsciiDigit)
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            && version is >= 1 and <= ProjectionDescriptor.MaxVersion && digits[0] != '0'
            ? new ProjectionGeneration(projection, version, laneB)
            : null;
    }

    /// <summary>
    /// The generation of a node's advertised entry key (<c>name</c> or <c>name@v2</c>, see the node registry) and lane:
    /// <see langword="null"/> when the key is not one.
    /// </summary>
    public static ProjectionGeneration? FromAdvertised(string key, bool laneB)
    {
        var at = key.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return new ProjectionGeneration(key, 1, laneB);
        }

        return Parse(key[..at], key[(at + 1)..]) is { LaneB: false } parsed ? parsed with { LaneB = laneB } : null;
    }

    /// <summary>What a node advertises for this version (both lanes): the key of lane a.</summary>
    public string AdvertisedKey => (this with { LaneB = false }).Key;
}
