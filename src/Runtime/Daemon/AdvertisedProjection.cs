using System.Globalization;

namespace ProjectionGen.Daemon;

/// <summary>
/// One entry of a node's <c>projections</c> in the registry: <c>name:shards</c> for a projection's version 1, as before
/// versions, <c>name@v2:shards</c> for another version. Written here when a node registers and parsed here when the
/// nodes plan (docs/cluster.md, "Placement: leaderless rendezvous hashing with bounded loads"; docs/versions.md, "Names").
/// </summary>
internal static class AdvertisedProjection
{
    /// <summary>
    /// The entries a node advertises: one per version it runs (both lanes share it), only for projections its pins let it run.
    /// </summary>
    public static string[] For(IEnumerable<ProjectionSetup> setups, ProjectionDaemonOptions options) =>
        [.. setups.Distinct()
            .Where(setup => !setup.Generation.LaneB && options.PinsAllow(setup.Name))
            .Select(setup => string.Create(CultureInfo.InvariantCulture, $"{setup.Generation.AdvertisedKey}:{setup.Shards}"))];

    /// <summary>Parses one entry into its version's key and its shard count; <see langword="false"/> for a malformed entry.</summary>
    public static bool TryParse(string entry, out string key, out int shards)
    {
        var separator = entry.LastIndexOf(':');
        if (separator <= 0 || !int.TryParse(entry.AsSpan(separator + 1), CultureInfo.InvariantCulture, out shards) || shards < 1)
        {
            key = "";
            shards = 0;
            return false;
        }

        key = entry[..separator];
        return true;
    }
}
