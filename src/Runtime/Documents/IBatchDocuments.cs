using Npgsql;

namespace ProjectionGen.Documents;

/// <summary>A batch's document changes, written in the commit round trip.</summary>
internal interface IBatchDocuments
{
    /// <summary>Adds the set-based upsert and delete of the changed documents to the commit batch.</summary>
    void AddCommitCommands(NpgsqlBatch batch, long lastSequence);

    /// <summary>The documents the commit wrote: id → the JSON stored, or null when deleted; null before the commit.</summary>
    IReadOnlyDictionary<string, string?>? Written { get; }
}
