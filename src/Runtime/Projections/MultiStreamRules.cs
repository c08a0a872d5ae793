namespace ProjectionGen;

/// <summary>
/// What a multi-stream projection may not be, checked again at run time for descriptors that did not come from the
/// generator (which reports the same as compile errors PGEN035, see docs/generator.md).
/// </summary>
internal static class MultiStreamRules
{
    /// <summary>Throws when a multi-stream descriptor is not an aggregate or is sharded.</summary>
    public static void Validate(string name, ProjectionKind kind, int shards, bool multiStream)
    {
        if (!multiStream)
        {
            return;
        }

        if (kind != ProjectionKind.Aggregate)
        {
            throw new ArgumentException($"Projection '{name}' is multi-stream, which only an aggregate projection can be.", nameof(multiStream));
        }

        // Shards split events by stream id; two shards could then write the same document, each under its own lock.
        if (shards > 1)
        {
            throw new ArgumentException(
                $"Projection '{name}' is multi-stream and cannot be sharded ({shards} shards): shards split events by stream id, so two shards would write the same document. Remove Shards.",
                nameof(shards));
        }
    }
}
