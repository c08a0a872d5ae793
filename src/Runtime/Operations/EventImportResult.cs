namespace ProjectionGen.Operations;

/// <summary>What an import committed (docs/operations.md, "Importing events from JSON lines").</summary>
/// <param name="Events">The events written.</param>
/// <param name="Streams">The distinct streams (per tenant) they were written to.</param>
/// <param name="Calls">The <c>append_events</c> calls made (one per run of consecutive lines of one stream and metadata).</param>
/// <param name="Transactions">The transactions committed.</param>
/// <param name="LastLine">The number (from 1, blank lines counted) of the last line whose event was committed; 0 when none was.</param>
/// <param name="LastSequence">The global sequence number of the last event written; <see langword="null"/> when none was.</param>
public sealed record EventImportResult(long Events, long Streams, long Calls, long Transactions, long LastLine, long? LastSequence)
{
    /// <summary>Nothing imported.</summary>
    public static EventImportResult None { get; } = new(0, 0, 0, 0, 0, null);
}
