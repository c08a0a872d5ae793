using System.Globalization;
using ProjectionGen.Generations;

namespace ProjectionGen.Progress;

/// <summary>
/// A slot's name taken apart: <c>name</c> (version 1, lane a, unsharded), <c>name/2</c> (its shard 2),
/// <c>name@v2</c> (a later generation) or <c>name@v2/1</c> (a shard of one). A progress row and a dead letter carry it.
/// </summary>
/// <param name="Generation">The generation (projection name, version and lane).</param>
/// <param name="Shard">The shard, or <see langword="null"/> for an unsharded slot.</param>
internal readonly record struct SlotNameParts(ProjectionGeneration Generation, int? Shard)
{
    /// <summary>The projection's name.</summary>
    public string Projection => Generation.Projection;

    /// <summary>Takes <paramref name="slot"/> apart; <see langword="null"/> when it is not a slot name.</summary>
    public static SlotNameParts? Parse(string slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        var key = slot;
        int? shard = null;
        var slash = slot.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var digits = slot[(slash + 1)..];
            if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)
                || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return null;
            }

            key = slot[..slash];
            shard = number;
        }

        var at = key.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return key.Length == 0 ? null : new SlotNameParts(new ProjectionGeneration(key, 1, false), shard);
        }

        return at > 0 && ProjectionGeneration.Parse(key[..at], key[(at + 1)..]) is { } generation && !generation.IsOriginal
            ? new SlotNameParts(generation, shard)
            : null;
    }
}
